"""The form page kept per unit, URL and language: what a claimant gets from the cache is
exactly what rendering would give, and a change to the catalogue shows at once."""
from __future__ import annotations

import gzip
import random
import re
import zlib

import pytest
import sqlalchemy as sa
from survey.extensions import current_session
from survey.models import CatalogueStamp, Unit
from survey.public import routes
from survey.public.pages import (EXTENSION, GZIP_EXTENSION, HOLE, GzipTemplate, PageCache,
                                 cut_mark, cut_page, fill, join_parts, punch)
from survey.services.catalogue import snapshot
from survey.services.intake.sampling import asked_items
from tests.conftest import hidden_fields

URL = "/s/NA-VINH/Q1?svc=ui_apply"


def _direct_render(app, url: str, submission_id: str, lang: str = "vi") -> str:
    """The page as the template renders it for this submission id, no cache."""
    with app.test_request_context(url, headers={"Accept-Language": lang}):
        cat = snapshot.current(current_session())
        unit = cat.counter(cat.unit("NA-VINH"), "Q1")
        questionnaire = cat.current
        items = asked_items(questionnaire, submission_id)
        return routes._render_form(cat, unit, questionnaire, items, submission_id,
                                   "ui_apply", None)


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_a_cached_page_is_the_page_the_template_renders(app, client, questionnaire_v2, lang):
    pages = [client.get(URL, headers={"Accept-Language": lang}).get_data(as_text=True)
             for _ in range(12)]
    assert len({hidden_fields(p)["submission_id"] for p in pages}) == 12
    assert len(app.extensions[EXTENSION].pages) == 1  # rendered once, then cut and kept
    # The first was rendered, the others came from the cache with other items drawn.
    assert len({tuple(re.findall(r'name="(q_[a-z0-9_]+)"', p)) for p in pages}) > 1
    for page in pages:
        fields = hidden_fields(page)
        direct = _direct_render(app, URL, fields["submission_id"], lang)
        # The tokens sign the same id, at times that may differ by a second.
        assert page.replace(fields["csrf_token"], "T") == direct.replace(
            hidden_fields(direct)["csrf_token"], "T")


def test_a_gzipped_page_is_the_page_the_template_renders(app, client, questionnaire_v2):
    """The compressed form (fixed text compressed once, id and token added per claimant)
    decompresses, CRC and length checked, to exactly what the template renders."""
    headers = {"Accept-Encoding": "gzip", "Accept-Language": "vi"}
    responses = [client.get(URL, headers=headers) for _ in range(12)]
    assert {r.headers["Content-Encoding"] for r in responses} == {"gzip"}
    pages = [gzip.decompress(r.get_data()).decode("utf-8") for r in responses]
    assert len({hidden_fields(p)["submission_id"] for p in pages}) == 12
    assert len(app.extensions[GZIP_EXTENSION].pages) > 1  # one per set of items drawn
    for page in pages:
        fields = hidden_fields(page)
        direct = _direct_render(app, URL, fields["submission_id"], "vi")
        assert page.replace(fields["csrf_token"], "T") == direct.replace(
            hidden_fields(direct)["csrf_token"], "T")
    plain = client.get(URL, headers={"Accept-Language": "vi"})
    assert "Content-Encoding" not in plain.headers  # a client without gzip gets the text


def _random_page(rng: random.Random, names: list[str]) -> str:
    words = ["<label class=\"opt\">", "Rất hài lòng", "</label>", "<input type=radio>",
             "Thủ tục", " ", "value=\"4\"", "đ", "\n", "<p>", "x" * rng.randint(1, 40),
             # runs a careless filler could match (any byte but NUL occurs in a page)
             "A" * 12, "0" * 12, " " * 12, "-" * 12]
    chunks = ["".join(rng.choice(words) for _ in range(rng.randint(0, 300)))
              for _ in range(len(names) + 1)]
    return "".join(chunk + (HOLE.format(name) if i < len(names) else "")
                   for i, (chunk, name) in enumerate(zip(chunks, names + [""])))


def test_a_gzip_template_gives_the_filled_page_for_any_values():
    """Random pages (repetitive, so the text after a hole refers back across it) and
    random values of the template's lengths: the member always decompresses to the page,
    with Python's gzip (CRC and length checked) and with zlib's stream reader."""
    rng = random.Random(11)
    for _ in range(200):
        names = rng.sample(["sid", "token", "n3"], rng.randint(0, 3))
        page = _random_page(rng, names)
        first = {name: "".join(rng.choice("ab9-ễ") for _ in range(rng.randint(1, 50)))
                 for name in names}
        template = GzipTemplate.make(page, first, rng.choice([1, 6, 9]))
        assert template is not None
        for _ in range(3):
            values = {name: "".join(rng.choice("0123456789abcdef-")
                                    for _ in range(len(v.encode("utf-8"))))
                      for name, v in first.items()}
            filled = fill(page, values).encode("utf-8")
            member = template.fill(values, filled)
            assert member is not None
            assert gzip.decompress(member) == filled
            assert zlib.decompressobj(wbits=31).decompress(member) == filled
        if names:  # a value of another length cannot go in its hole
            longer = {**values, names[0]: values[names[0]] + "x"}
            assert template.fill(longer, fill(page, longer).encode("utf-8")) is None


def test_a_page_with_a_nul_or_an_unknown_hole_is_not_templated():
    assert GzipTemplate.make("a\x00b" + HOLE.format("sid"), {"sid": "1"}, 6) is None
    assert GzipTemplate.make("a" + HOLE.format("other"), {"sid": "1"}, 6) is None
    assert GzipTemplate.make("a" + HOLE.format("sid"), {"sid": "1"}, 6) is not None


def test_the_cached_page_posts_like_the_rendered_one(client, db, questionnaire_v2):
    client.get(URL)
    page = client.get(URL).get_data(as_text=True)
    data = {**hidden_fields(page), "service": "ui_apply"}
    data.update({name: "4" for name in re.findall(r'name="(q_[a-z0-9_]+)"', page)})
    data.update(q_fact_documents="1", q_fact_money="1", q_fact_trips="1")
    assert client.post(URL, data=data).status_code == 303


def test_renaming_a_unit_shows_on_the_next_page(client, db, demo):
    assert "Quầy 1" in client.get(URL).get_data(as_text=True)
    counter = db.session.scalar(sa.select(Unit).filter_by(code="NA-VINH-Q1"))
    counter.name_vi = "Quầy tiếp nhận số một"
    db.session.commit()
    assert "Quầy tiếp nhận số một" in client.get(URL).get_data(as_text=True)


def test_a_deactivated_unit_is_gone_at_once(client, db, demo):
    assert client.get(URL).status_code == 200
    db.session.scalar(sa.select(Unit).filter_by(code="NA-VINH-Q1")).active = False
    db.session.commit()
    assert client.get(URL).status_code == 404


def test_a_new_version_is_served_at_once(client, db, demo, questionnaire):
    assert hidden_fields(client.get(URL).get_data(as_text=True))["version"] == "1"
    from survey.services import catalogue
    catalogue.load_questionnaire(db.session, catalogue.read_data("questionnaire_v2.json"))
    db.session.commit()
    assert hidden_fields(client.get(URL).get_data(as_text=True))["version"] == "2"


def test_a_change_committed_elsewhere_is_seen_through_the_stamp(app, db, demo):
    """Another worker's or a command's change: rows and stamp move, nothing else."""
    with app.test_request_context("/"):
        before = snapshot.current(current_session())
        assert snapshot.current(current_session()) is before  # same stamp: same copy
        db.session.execute(sa.text("UPDATE units SET name_vi = 'Đổi tên' "
                                   "WHERE code = 'NA-VINH'"))
        db.session.execute(sa.update(CatalogueStamp).values(stamp=12345))
        after = snapshot.current(current_session())
        assert after is not before and after.stamp == 12345
        assert after.unit("NA-VINH").name_vi == "Đổi tên"


def test_a_worker_checks_the_stamp_at_most_once_per_interval(app, db, demo, monkeypatch):
    """With ``CATALOGUE_CHECK_SECONDS`` a worker keeps its copy without asking the
    database, then sees a change made elsewhere once the interval has passed."""
    clock = [1000.0]
    monkeypatch.setattr(snapshot.time, "monotonic", lambda: clock[0])
    app.config["CATALOGUE_CHECK_SECONDS"] = 1.0
    with app.test_request_context("/"):
        before = snapshot.current(current_session())
        db.session.execute(sa.text("UPDATE units SET name_vi = 'Đổi tên' "
                                   "WHERE code = 'NA-VINH'"))
        db.session.execute(sa.update(CatalogueStamp).values(stamp=6789))
        clock[0] += 0.9
        assert snapshot.current(current_session()) is before  # not asked yet
        clock[0] += 0.2
        after = snapshot.current(current_session())
        assert after.stamp == 6789 and after.unit("NA-VINH").name_vi == "Đổi tên"


def test_only_catalogue_changes_move_the_stamp(client, db, demo):
    def stamp() -> int:
        return db.session.scalar(sa.select(CatalogueStamp.stamp))

    first = stamp()
    page = client.get(URL).get_data(as_text=True)
    data = {**hidden_fields(page), "service": "ui_apply"}
    data.update({name: "5" for name in re.findall(r'name="(q_[a-z0-9_]+)"', page)})
    assert client.post(URL, data=data).status_code == 303
    assert stamp() == first
    db.session.scalar(sa.select(Unit).filter_by(code="NA-VINH")).name_en = "Vinh office"
    db.session.flush()
    assert stamp() != first


def test_parts_and_holes():
    page = f"a{cut_mark('x')}X{cut_mark(None)}b{cut_mark('y')}Y{cut_mark(None)}c"
    segments = cut_page(page)
    assert join_parts(segments, {"y"}) == "abYc"
    assert join_parts(segments, {"x", "y"}) == "aXbYc"
    assert cut_page(f"a{cut_mark(None)}") is None  # an end without a start
    assert cut_page(f"{cut_mark('x')}{cut_mark('y')}") is None  # a start inside a part
    assert cut_page(f"{cut_mark('x')}open") is None
    punched = punch("id=123 token=abc", {"sid": "123", "csrf": "abc"})
    assert fill(punched, {"sid": "9", "csrf": "t"}) == "id=9 token=t"
    assert punch("123 and 123", {"sid": "123"}) is None  # ambiguous: not cached


def test_the_cache_is_bounded():
    cache = PageCache(capacity=3)
    for key in range(5):
        cache.put(key, str(key))
    assert cache.get(0) is None and cache.get(1) is None
    assert cache.get(4) == "4"
