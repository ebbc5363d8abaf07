"""Regions screen: the 20 regions and their names in three languages."""
from flask_babel import lazy_gettext as _l

from models.capabilities import roles_with
from admin.base import SecureModelView


class RegionView(SecureModelView):
    # Every staff role reads the regions it may see; only superadmins correct names.
    edit_roles = roles_with("settings")
    allow_create = False
    column_display_pk = True
    column_list = ("code", "iso_code", "name_kk", "name_ru", "name_en")
    column_default_sort = "code"
    column_searchable_list = ("name_kk", "name_ru", "name_en")
    form_columns = ("name_kk", "name_ru", "name_en")
    column_labels = {
        "code": _l("Code"), "iso_code": _l("ISO code"), "name_kk": _l("Name (Kazakh)"),
        "name_ru": _l("Name (Russian)"), "name_en": _l("Name (English)"),
    }
