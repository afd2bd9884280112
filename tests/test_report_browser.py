"""The HTML report in a real headless Chromium (selenium + chromedriver): it loads with no
console error and no network request, the pair selector redraws the term plot, search marks
the term, clicking a term lists statements that contain it, the keyboard reaches the lists, a
screenshot is not blank, and hostile statements stay text. Skipped, with the reason, only when
selenium, Chromium or chromedriver cannot be found (.ci/run installs Debian's chromium and
chromium-driver when absent)."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any, Iterator, List

import numpy as np
import pytest

import divergence as dv
from test_report import FAST, HOSTILE, hostile_corpus

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select  # noqa: E402

BROWSER = next(
    (shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome") if shutil.which(b)),
    None,
)
DRIVER = shutil.which("chromedriver")
if BROWSER is None or DRIVER is None:
    pytest.skip(
        "Chromium or chromedriver not found (Debian: apt-get install chromium chromium-driver)",
        allow_module_level=True,
    )


def start_browser(javascript: bool = True) -> Any:
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    opts = Options()
    for a in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ):
        opts.add_argument(a)
    opts.binary_location = str(BROWSER)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    if not javascript:
        opts.add_experimental_option(
            "prefs", {"profile.managed_default_content_settings.javascript": 2}
        )
    d = webdriver.Chrome(service=Service(str(DRIVER)), options=opts)
    d.set_page_load_timeout(60)
    return d


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    d = start_browser()
    try:
        yield d
    finally:
        d.quit()


@pytest.fixture(scope="module")
def example_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    r = dv.report(dv.Corpus.example(), stance_col="stance", target_col="target", **FAST)
    return r.write(tmp_path_factory.mktemp("report") / "report.html")


def open_page(d: Any, path: Path) -> None:
    d.get_log("browser")  # drop what earlier pages logged
    d.get_log("performance")
    d.get(path.resolve().as_uri())


def requests(d: Any) -> List[str]:
    import json

    urls = []
    for entry in d.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    return urls


def circles(d: Any) -> List[Any]:
    return d.find_elements(By.CSS_SELECTOR, "#plot circle")


def test_loads_without_errors_or_network(browser: Any, example_page: Path) -> None:
    open_page(browser, example_page)
    assert len(circles(browser)) > 100
    Select(browser.find_element(By.ID, "pair")).select_by_index(3)
    browser.find_element(By.ID, "search").send_keys("peace")
    errors = [e for e in browser.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []
    urls = requests(browser)
    assert urls == [example_page.resolve().as_uri()]  # the page itself, nothing else


def test_choosing_a_pair_redraws_the_plot(browser: Any, example_page: Path) -> None:
    open_page(browser, example_page)
    sel = Select(browser.find_element(By.ID, "pair"))
    options = [o.text for o in sel.options]
    assert "Armenia vs Azerbaijan" in options and "Mediators vs the rest" in options
    before = (len(circles(browser)), browser.find_element(By.ID, "head1").text)
    sel.select_by_visible_text("Mediators vs the rest")
    after = (len(circles(browser)), browser.find_element(By.ID, "head1").text)
    assert after != before and after[1] == "more typical of rest"
    assert browser.find_element(By.ID, "head0").text == "more typical of Mediators"
    # the log scale moves the points
    x = [c.get_attribute("cx") for c in circles(browser)[:50]]
    Select(browser.find_element(By.ID, "scale")).select_by_value("log")
    assert [c.get_attribute("cx") for c in circles(browser)[:50]] != x


def test_search_marks_the_term_and_click_lists_its_statements(
    browser: Any, example_page: Path
) -> None:
    open_page(browser, example_page)
    box = browser.find_element(By.ID, "search")
    box.send_keys("corridor")
    hit = browser.find_elements(By.CSS_SELECTOR, "#plot circle.hit")
    assert len(hit) == 1
    assert "corridor" in browser.find_element(By.ID, "found").text
    hit[0].click()
    marks = browser.find_elements(By.CSS_SELECTOR, "#kwic mark")
    assert marks and all(m.text.lower() == "corridor" for m in marks)
    metas = [m.text for m in browser.find_elements(By.CSS_SELECTOR, "#kwic .meta")]
    assert len(metas) == len(marks)
    assert all(("Armenia" in m or "Azerbaijan" in m) and "20" in m for m in metas)
    # a term that is not there says so
    box.clear()
    box.send_keys("zzzznotaterm")
    assert "not among" in browser.find_element(By.ID, "found").text
    assert browser.find_elements(By.CSS_SELECTOR, "#plot circle.hit") == []


def test_hover_shows_counts_z_and_contribution(browser: Any, example_page: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    open_page(browser, example_page)
    browser.find_element(By.ID, "search").send_keys("corridor")
    dot = browser.find_element(By.CSS_SELECTOR, "#plot circle.hit")
    ActionChains(browser).move_to_element(dot).perform()
    tip = browser.find_element(By.ID, "tip")
    assert tip.is_displayed()
    lines = tip.text.splitlines()
    assert lines[0] == "corridor" and "per 1000" in lines[1] and "per 1000" in lines[2]
    assert lines[3].startswith("log-odds z: ") and lines[4].startswith("JSD contribution: ")
    assert lines[4].endswith(" nats")


def test_keyboard_reaches_selector_search_and_lists(browser: Any, example_page: Path) -> None:
    open_page(browser, example_page)
    sel = browser.find_element(By.ID, "pair")
    sel.send_keys(Keys.ARROW_DOWN)  # a focused select changes with the arrow keys
    assert Select(sel).first_selected_option.text != "Armenia vs Azerbaijan"
    first = browser.find_element(By.CSS_SELECTOR, "#list0 button")
    first.send_keys(Keys.ARROW_DOWN)
    focused = browser.switch_to.active_element
    second = browser.find_elements(By.CSS_SELECTOR, "#list0 button")[1]
    assert focused == second
    focused.send_keys(Keys.ENTER)
    assert browser.find_elements(By.CSS_SELECTOR, "#kwic .st")
    box = browser.find_element(By.ID, "search")
    box.send_keys("karabakh", Keys.ENTER)  # Enter in the search box shows the statements
    assert browser.find_element(By.CSS_SELECTOR, "#kwic h3").text == "\u201ckarabakh\u201d"


def test_screenshot_is_not_blank(browser: Any, example_page: Path) -> None:
    import matplotlib.image as mpimg

    open_page(browser, example_page)
    browser.execute_script("document.getElementById('terms').scrollIntoView()")
    img = mpimg.imread(io.BytesIO(browser.get_screenshot_as_png()), format="png")
    rgb = (img[..., :3] * 255).astype(np.uint8).reshape(-1, 3)
    colours = np.unique(rgb, axis=0)
    assert colours.shape[0] > 50  # text, points in the diverging palette, panels
    assert rgb.std() > 20


def test_hostile_statements_render_as_text(browser: Any, tmp_path: Path) -> None:
    r = dv.report(hostile_corpus(), drift=False, title="hostile", per_group=30, **FAST)
    page = r.write(tmp_path / "hostile.html")
    open_page(browser, page)
    title = browser.title
    assert title == "hostile"  # an injected script would have set it to 'pwned'
    # no alert is open (an injected handler would have raised one)
    assert browser.execute_script("return document.querySelectorAll('img, iframe').length") == 0
    assert browser.execute_script("return document.querySelectorAll('script').length") == 2
    box = browser.find_element(By.ID, "search")
    box.send_keys("pwnword", Keys.ENTER)
    shown = browser.find_element(By.ID, "kwic").text
    assert "<img src=x onerror=" in shown or "</script><script>" in shown or "<svg" in shown
    assert browser.title == "hostile"
    # group labels in the selector are text too
    options = [o.text for o in Select(browser.find_element(By.ID, "pair")).options]
    assert any("</script><script>" in o for o in options)
    assert any("A <b>bold</b>" in o for o in options)
    # every hostile statement, shown one pair after another, stays text
    seen = set()
    for i in range(len(options)):
        Select(browser.find_element(By.ID, "pair")).select_by_index(i)
        box = browser.find_element(By.ID, "search")
        box.clear()
        box.send_keys("pwnword", Keys.ENTER)
        seen.add(browser.find_element(By.ID, "kwic").text)
    text = "\n".join(seen)
    for h in HOSTILE:
        probe = h.split(" pwnword")[0][:12].replace("\u2028", "").strip()
        assert probe[:6] in text, probe
    # terms that name object internals are terms like any other
    for word in ("__proto__", "constructor", "hasownproperty"):
        box = browser.find_element(By.ID, "search")
        box.clear()
        box.send_keys(word, Keys.ENTER)
        assert browser.find_element(By.CSS_SELECTOR, "#kwic h3").text == f"\u201c{word}\u201d"
        marks = browser.find_elements(By.CSS_SELECTOR, "#kwic mark")
        assert marks and all(m.text.lower() == word for m in marks)
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [] and browser.title == "hostile"


def test_summary_is_readable_with_javascript_off(example_page: Path) -> None:
    d = start_browser(javascript=False)
    try:
        d.get(example_page.resolve().as_uri())
        summary = d.find_element(By.ID, "summary")
        assert summary.is_displayed()
        text = summary.text
        assert "Armenia vs Azerbaijan" in text and "null mean" in text and "Manifest" in text
        assert "needs JavaScript" in d.find_element(By.ID, "terms").text  # the noscript note
        assert not d.find_element(By.ID, "explorer-wrap").is_displayed()
        assert d.find_elements(By.CSS_SELECTOR, "#plot circle") == []
        assert d.find_element(By.ID, "drift").find_elements(By.TAG_NAME, "svg")
    finally:
        d.quit()
