"""What saving a registry record sets off beyond storing it, for the registries that have a
rule of their own (called by the registry screens before their one commit)."""
from services import publications, visits

AFTER_SAVE = {"visit": visits.after_save, "publication": publications.after_save}


def after_save(actor, record):
    rule = AFTER_SAVE.get(record.__tablename__)
    if rule is not None:
        rule(actor, record)
