"""Publications [R13], and the thread from [R11.1] to them: once the police confirmed a
violation, the ombudsman informs the media and social networks [R11.1]; the publication
that did so, saved in the registry with the case it cites, marks that case's [R11.1] item
done (for the ombudsman, who works the case). A publication names cases by their
registration number only, never a child's identity, and may cite the briefing [R6.10]
it reported on. The half-year report counts each publication once, as a publication.
"""
from extensions import db
from services import audit, checklist


def after_save(actor, publication):
    """Mark done the open [R11.1] item of each cited case the actor works on."""
    db.session.flush()
    for case in publication.cases:
        item = next((i for i in case.checklist if i.rule == "R11.1" and i.status == "open"), None)
        if item is None or not checklist.may_work(actor, case):
            continue
        checklist.complete(actor, item, note=publication.title)
        item.publication_id = publication.id
        audit.record("checklist.publication_linked", actor=actor, obj=item, region_code=case.region_code,
                     publication=publication.id)

