//! The web app in a real browser: headless Chromium driven over WebDriver (chromedriver +
//! fantoccini). Opens the library, searches, uploads a song through the file input, sees its
//! playlist, presses play and watches the `<audio>` clock advance, hovers and clicks the map.
//! Screenshots go to `$CARGO_TARGET_TMPDIR/browser/`. Without Chromium the test says so and
//! passes, except under CI (`CI` set), where `scripts/setup.sh` has installed it.

mod support;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, MouseActions, PointerAction};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};
use support::{limits, real_clip, Fixture, Running};

fn chromedriver() -> Option<PathBuf> {
    ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].iter().map(PathBuf::from).find(|p| p.is_file())
}

/// chromedriver on a free port, killed when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    fn start(exe: &Path) -> Self {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(exe).arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().expect("chromedriver starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen on port {port}");
            std::thread::sleep(Duration::from_millis(100));
        }
        Self { child, port }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn browser(driver: &Driver) -> Client {
    let caps = json!({"goog:chromeOptions": {"args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--mute-audio",
        "--autoplay-policy=no-user-gesture-required", "--window-size=1400,1100"]}});
    let caps = caps.as_object().unwrap().clone();
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    ClientBuilder::new(connector).capabilities(caps).connect(&format!("http://127.0.0.1:{}", driver.port)).await.expect("a Chromium session")
}

/// Poll `script` (a JS expression) until it is truthy; its value.
async fn until(c: &Client, what: &str, script: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let v = c.execute(&format!("return {script};"), vec![]).await.unwrap();
        if v.as_bool() != Some(false) && !v.is_null() && v != json!(0) {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what} ({script})");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn screenshot(c: &Client, name: &str) {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("browser");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(name), c.screenshot().await.unwrap()).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn search_upload_listen_and_hover_the_map_in_chromium() {
    let Some(exe) = chromedriver() else {
        assert!(std::env::var_os("CI").is_none(), "CI must run the browser test: install chromium and chromium-driver (scripts/setup.sh)");
        eprintln!("skipped: chromedriver is not installed (scripts/setup.sh installs Debian's chromium and chromium-driver)");
        return;
    };
    let fx = Fixture::new(4);
    let server = Running::start(fx.db(), limits());
    let driver = Driver::start(&exe);
    let c = browser(&driver).await;

    // The library, then a search.
    c.goto(&server.url("/")).await.unwrap();
    assert_eq!(c.find_all(Locator::Css("#library tbody tr")).await.unwrap().len(), 12);
    screenshot(&c, "library.png").await;
    c.find(Locator::Id("search")).await.unwrap().send_keys("family2").await.unwrap();
    c.find(Locator::Css("form.search button")).await.unwrap().click().await.unwrap();
    until(&c, "the search result", "location.search.includes('q=family2') && document.querySelectorAll('#library tbody tr').length === 4").await;
    screenshot(&c, "search.png").await;

    // Upload through the file input: the script sends it, shows progress, opens the playlist.
    let clip = std::fs::canonicalize(real_clip(fx.tmp.path())).unwrap();
    c.find(Locator::Id("upload-file")).await.unwrap().send_keys(clip.to_str().unwrap()).await.unwrap();
    until(&c, "the upload's playlist page", "location.pathname === '/playlist' && location.search.startsWith('?upload=')").await;
    let rows = c.find_all(Locator::Css("table.playlist tbody tr")).await.unwrap();
    assert_eq!(rows.len(), 10, "the playlist of the uploaded song");
    until(&c, "the map", "document.getElementById('map').dataset.ready === '1'").await;
    screenshot(&c, "playlist.png").await;

    // Play all: the first track plays and its clock advances.
    c.find(Locator::Id("play-all")).await.unwrap().click().await.unwrap();
    let t = until(&c, "playback", "(() => { const a = document.querySelector('audio.track-audio'); return a.currentTime > 0.5 && a.currentTime; })()").await;
    assert!(t.as_f64().unwrap() > 0.5);
    screenshot(&c, "playing.png").await;

    // Hover the first playlist track on the map: the tip names it; a click makes it the query.
    let first: i64 = rows[0].attr("data-id").await.unwrap().unwrap().parse().unwrap();
    let canvas = c.find(Locator::Id("map")).await.unwrap();
    c.execute("document.getElementById('map').scrollIntoView({block: 'center'});", vec![]).await.unwrap();
    let offset = c.execute(&format!("return document.getElementById('map').locate({first});"), vec![]).await.unwrap();
    let (x, y) = (offset[0].as_f64().unwrap().round(), offset[1].as_f64().unwrap().round());
    let hover =
        MouseActions::new("mouse".into()).then(PointerAction::MoveToElement { element: canvas.clone(), duration: Some(Duration::from_millis(100)), x, y });
    c.perform_actions(hover).await.unwrap();
    let tip = until(
        &c,
        "the map's tip",
        "(() => { const t = document.getElementById('map-tip'); return !t.hidden && !t.textContent.startsWith('track ') && t.textContent; })()",
    )
    .await;
    assert!(tip.as_str().unwrap().contains("song"), "the tip names a library track: {tip}");
    // The dot under the pointer: the playlist's first track, or one drawn on top of it.
    let hovered = c.execute("return document.getElementById('map-tip').dataset.id;", vec![]).await.unwrap();
    screenshot(&c, "map-hover.png").await;
    let click = MouseActions::new("mouse".into())
        .then(PointerAction::Down { button: fantoccini::actions::MOUSE_BUTTON_LEFT })
        .then(PointerAction::Up { button: fantoccini::actions::MOUSE_BUTTON_LEFT });
    c.perform_actions(click).await.unwrap();
    until(&c, "the clicked track's playlist", "location.pathname === '/playlist' && location.search.startsWith('?track=')").await;
    let url = c.current_url().await.unwrap();
    assert!(url.as_str().contains(&format!("track={}", hovered.as_str().unwrap())), "{url} is the hovered track's playlist ({hovered})");
    screenshot(&c, "clicked.png").await;
    c.close().await.unwrap();
}
