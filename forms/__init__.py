"""WTForms forms on Flask-WTF's CSRF-protected base."""
from wtforms import FormField

# Fields drawn as a group of radios or checkboxes: an error links to the first option.
GROUP_TYPES = {"RadioField", "RadioGroup", "MultiCheckboxField"}


def error_target(field):
    """The id an error summary links to: the field, or the first option of a group."""
    return f"{field.id}-0" if field.type in GROUP_TYPES else field.id


def error_list(form, extra=(), before=None):
    """Every error of ``form`` as (target id, label, message), in the order of the fields,
    nested forms included (their label first). ``extra`` items (e.g. extra questions) go
    just before the field named ``before``, or at the end."""
    items, extra_done = [], False
    for field in form:
        if before is not None and field.short_name == before:
            items.extend(extra)
            extra_done = True
        if isinstance(field, FormField):
            items.extend((target, f"{field.label.text}, {label}", message)
                         for target, label, message in error_list(field.form))
        elif field.errors and isinstance(field.errors, (list, tuple)):
            items.append((error_target(field), field.label.text, " ".join(str(e) for e in field.errors)))
    if not extra_done:
        items.extend(extra)
    return items
