"""Every staff page in Kazakh and in Russian reads in that language (issue 18, item 2).

The pages are the access matrix's (tests/test_access_matrix.py): every GET the app
registers, opened by one person of each role who may open it, on the region-75 data set.
Their visible text (tags, scripts, styles and form values aside) holds no English word of
the leak list (true, false, yes, no, None, Toggle, the English months) and no ISO date:
dates are written as the page's language writes them.
"""
import re
from html import unescape

import pytest

from tests.matrix_helpers import client_with
from tests.test_access_matrix import TABLE, _fill, world  # noqa: F401 (fixture)

PEOPLE_BY_ROLE = ("sa", "com", "cte", "ak75", "om75")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
LEAKS = re.compile(r"\b(true|false|True|False|yes|Yes|no|No|None|Toggle|%s)\b" % "|".join(MONTHS))
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
HIDDEN = re.compile(r"<(script|style|textarea|select)\b.*?</\1>|<details\b.*?</details>", re.S | re.I)
TAG = re.compile(r"<[^>]+>")
PAGES = [line for line in TABLE if line.methods == ("GET",) and line.url.startswith(("/admin", "/account"))
         and not line.url.startswith("/admin/static") and "export" not in line.url
         and "/file" not in line.url and "/evidence" not in line.url]


def visible_text(html):
    """What a reader sees: no markup, scripts, styles, form values or the raw data toggles."""
    return unescape(TAG.sub(" ", HIDDEN.sub(" ", html)))


@pytest.mark.parametrize("language", ["kk", "ru"])
@pytest.mark.parametrize("line", PAGES, ids=lambda line: line.name)
def test_a_staff_page_reads_in_its_language(app, world, line, language):
    url = _fill(line.url, world.ids)
    url += ("&" if "?" in url else "?") + f"lang={language}"
    problems = []
    for person in PEOPLE_BY_ROLE:
        if not line.cells[person].startswith("ok"):
            continue
        response = client_with(app, world.cookies[person]).get(url)
        if response.status_code != 200 or not response.mimetype == "text/html":
            continue
        text = visible_text(response.get_data(as_text=True))
        leaks = sorted(set(LEAKS.findall(text)) | set(ISO_DATE.findall(text)))
        if leaks:
            problems.append(f"{person}: {leaks}")
    assert not problems, f"{url}\n" + "\n".join(problems)
