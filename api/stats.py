"""``/api/v1/stats``: the public figures of /stats as open data [R3: transparency]: no token,
the same cells as the page, small counts withheld alike (``services.public_stats``)."""
from flask_babel import lazy_gettext as _l

from api.auth import api_blueprint, errors
from api.schemas import FiguresQuery, PublicFigures
from core.errors import NotFound
from extensions import db
from models import Region
from services import public_stats

# As /stats: the same for every reader; open data, so any site's script may read it too.
CACHED = {"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}
blp = api_blueprint("open_data", "The public figures of /stats, small counts withheld [R3].")


@blp.route("/stats")
@blp.doc(summary="Public figures",
         description="Cases received in a half-year by region and category, and the share answered "
                     "on time, as /stats shows them: a count from 1 to small - 1 is withheld, and so is "
                     "one that would let it be worked out. No token needed.")
@blp.arguments(FiguresQuery, location="query")
@blp.response(200, PublicFigures)
@errors(blp, 404)
def figures(query):
    last = public_stats.default_period()
    year, half = public_stats.asked_period(query.get("year"), query.get("half"), last)
    public_stats.check_period((year, half), last)
    region = query.get("region")
    if region and db.session.get(Region, region) is None:
        raise NotFound(_l("There is no such region."))
    return public_stats.open_data(public_stats.figures(year, half, region)), 200, CACHED
