//! The web app over HTTP: a real server on a free port, real requests (reqwest, and raw TCP
//! where a client would clean the path up first).

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;

use reqwest::header;
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::Value;
use support::{limits, real_clip, Fixture, Running};

#[path = "../../../tests/common/pg.rs"]
mod pg;

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn get(server: &Running, path: &str) -> reqwest::Response {
    client().get(server.url(path)).send().await.unwrap()
}

async fn json(server: &Running, path: &str) -> Value {
    let r = get(server, path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.json().await.unwrap()
}

async fn text(server: &Running, path: &str) -> String {
    let r = get(server, path).await;
    assert_eq!(r.status(), StatusCode::OK, "{path}");
    r.text().await.unwrap()
}

fn upload_form(name: &str, bytes: Vec<u8>) -> Form {
    Form::new().part("file", Part::bytes(bytes).file_name(name.to_string()))
}

/// The status line of a request sent byte for byte as written (no client normalises the path).
fn raw_status(server: &Running, path: &str) -> u16 {
    let mut s = TcpStream::connect(server.addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    answer.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0)
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_and_api_routes_answer_with_the_library() {
    let fx = Fixture::new(6);
    let server = Running::start(fx.db(), limits());

    let lib = json(&server, "/api/library").await;
    assert_eq!(lib["tracks"], 18);
    // Library page: every row, search, sort, pages.
    let page = text(&server, "/").await;
    assert_eq!(page.matches("<tr data-id=").count(), 18, "all 18 tracks on one page");
    let found = json(&server, "/api/tracks?q=family1&sort=path&order=desc").await;
    assert_eq!(found["total"], 6);
    let paths: Vec<&str> = found["tracks"].as_array().unwrap().iter().map(|t| t["path"].as_str().unwrap()).collect();
    assert!(paths.iter().all(|p| p.contains("family1")), "{paths:?}");
    assert!(paths.windows(2).all(|w| w[0] > w[1]), "sorted by path, descending: {paths:?}");
    let second = json(&server, "/api/tracks?per_page=5&page=2&sort=path").await;
    assert_eq!((second["total"].as_u64(), second["pages"].as_u64(), second["tracks"].as_array().unwrap().len()), (Some(18), Some(4), 5));
    let searched = text(&server, "/?q=song03&sort=path").await;
    assert_eq!(searched.matches("<tr data-id=").count(), 3, "song03 of each family");
    assert!(text(&server, "/?q=100%25_nothing").await.contains("0 matches"), "wildcards are literal");

    // A track page: tags, pie, player, neighbours.
    let id = found["tracks"][0]["id"].as_i64().unwrap();
    let detail = json(&server, &format!("/api/tracks/{id}")).await;
    assert_eq!(detail["neighbours"]["tracks"].as_array().unwrap().len(), 10);
    let track_page = text(&server, &format!("/tracks/{id}")).await;
    for needle in ["<svg", &format!("src=\"/audio/{id}\""), "Nearest neighbours", "family1"] {
        assert!(track_page.contains(needle), "track page lacks {needle}");
    }

    // Playlists with options, in JSON and M3U8 and as a page.
    let p = json(&server, &format!("/api/playlist?track={id}&n=4&space=genres&rerank=none")).await;
    let tracks = p["tracks"].as_array().unwrap();
    assert_eq!(tracks.len(), 4);
    assert_eq!((p["space"].as_str(), p["rerank"].as_str()), (Some("genres"), Some("none")));
    assert!(tracks.iter().all(|t| t["id"].as_i64() != Some(id)), "the query is not in its playlist");
    let excluded = tracks[0]["id"].as_i64().unwrap();
    let again = json(&server, &format!("/api/playlist?track={id}&n=4&space=genres&rerank=none&exclude={excluded}")).await;
    assert!(again["tracks"].as_array().unwrap().iter().all(|t| t["id"].as_i64() != Some(excluded)), "exclusions honoured");
    let limited = json(&server, &format!("/api/playlist?track={id}&n=6&max_per_album=2")).await;
    assert!(limited["tracks"].as_array().unwrap().len() <= 6);
    let m3u = get(&server, &format!("/api/playlist?track={id}&n=3&format=m3u&download=true")).await;
    assert_eq!(m3u.status(), StatusCode::OK);
    assert!(m3u.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().contains("playlist.m3u8"));
    let m3u = m3u.text().await.unwrap();
    assert!(m3u.starts_with("#EXTM3U\n"), "{m3u}");
    assert_eq!(m3u.lines().filter(|l| l.starts_with(&format!("http://{}/audio/", server.addr))).count(), 3, "{m3u}");
    let page = text(&server, &format!("/playlist?track={id}&n=5&max_per_artist=&toward=")).await;
    assert_eq!(page.matches("<audio class=\"track-audio\"").count(), 5);
    assert!(page.contains("Play all") && page.contains("format=m3u") && page.contains("<svg"));

    // Journeys, between tracks and to a genre.
    let other = json(&server, "/api/tracks?q=family2").await["tracks"][0]["id"].as_i64().unwrap();
    let path = json(&server, &format!("/api/path?from={id}&to={other}&n=4")).await;
    assert_eq!(path["steps"].as_array().unwrap().len(), 4);
    let genre = lib["genres"][0].as_str().unwrap().to_string();
    let to_genre = json(&server, &format!("/api/path?from={id}&to={genre}&n=3")).await;
    assert_eq!(to_genre["anchors"][1]["kind"], "genre");
    assert!(text(&server, &format!("/path?from={id}&to={other}&n=4")).await.matches("<audio class=\"track-audio\"").count() == 4);
    assert!(text(&server, "/path").await.contains("<form"));

    // The map: every track once, the query placed, its playlist listed.
    let map = json(&server, &format!("/api/map?track={id}&space=genres")).await;
    assert_eq!(map["points"].as_array().unwrap().len(), 18);
    assert!(map["query"].is_array());
    assert_eq!(map["playlist"].as_array().unwrap().len(), 10);
    assert!(text(&server, "/map").await.contains("<canvas id=\"map\""));
    for asset in ["/static/app.js", "/static/style.css"] {
        assert!(!text(&server, asset).await.is_empty());
    }

    // Bad requests: one clear message, the right status.
    for (path, status) in [
        ("/api/playlist?track=1&n=0", 400),
        ("/api/playlist?track=1&toward=no-such-genre", 400),
        ("/api/playlist?track=1&n=lots", 400),
        ("/api/playlist", 400),
        ("/api/playlist?track=999999", 404),
        ("/api/playlist?upload=0123abcd", 404),
        ("/api/tracks/999999", 404),
        ("/api/tracks/abc", 404),
        ("/api/path?from=1", 400),
        ("/tracks/999999", 404),
        ("/no/such/page", 404),
    ] {
        let r = get(&server, path).await;
        assert_eq!(r.status().as_u16(), status, "{path}");
        let body = r.text().await.unwrap();
        assert!(!body.is_empty() && !body.contains("panicked"), "{path}: {body}");
    }
    let e = json_error(&server, "/api/playlist?track=1&toward=no-such-genre").await;
    assert!(e.contains("no-such-genre") && e.contains("is not a genre/tag"), "{e}");
}

async fn json_error(server: &Running, path: &str) -> String {
    let v: Value = get(server, path).await.json().await.unwrap();
    v["error"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn audio_is_streamed_by_id_with_ranges_and_nothing_else_is_reachable() {
    let fx = Fixture::new(2);
    let server = Running::start(fx.db(), limits());
    let t = &json(&server, "/api/tracks?sort=path").await["tracks"][0];
    let (id, path) = (t["id"].as_i64().unwrap(), t["path"].as_str().unwrap().to_string());
    let file = std::fs::read(&path).unwrap();
    let len = file.len();
    let audio = server.url(&format!("/audio/{id}"));
    let c = client();

    let whole = c.get(&audio).send().await.unwrap();
    assert_eq!(whole.status(), StatusCode::OK);
    assert!(whole.headers()[header::CONTENT_TYPE].to_str().unwrap().starts_with("audio/"), "{:?}", whole.headers());
    assert_eq!(whole.headers()[header::ACCEPT_RANGES], "bytes");
    assert_eq!(whole.bytes().await.unwrap().as_ref(), &file[..]);

    for (range, from, to) in
        [("bytes=0-99", 0, 99), (&format!("bytes={}-{}", len / 2, len / 2 + 999) as &str, len / 2, len / 2 + 999), ("bytes=-100", len - 100, len - 1)]
    {
        let r = c.get(&audio).header(header::RANGE, range).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT, "{range}");
        assert_eq!(r.headers()[header::CONTENT_RANGE].to_str().unwrap(), format!("bytes {from}-{to}/{len}"), "{range}");
        assert_eq!(r.bytes().await.unwrap().as_ref(), &file[from..=to], "{range}");
    }
    let past = c.get(&audio).header(header::RANGE, format!("bytes={}-{}", len + 10, len + 20)).send().await.unwrap();
    assert_eq!(past.status(), StatusCode::RANGE_NOT_SATISFIABLE);

    for attempt in [
        "/audio/../../../../etc/passwd",
        "/audio/..%2f..%2f..%2fetc%2fpasswd",
        "/audio/%2e%2e/%2e%2e/etc/passwd",
        "/audio/%2Fetc%2Fpasswd",
        "/audio/999999",
        "/audio/-1",
        "/audio/1.wav",
        "/static/..%2f..%2fCargo.toml",
        "/static/../src/lib.rs",
        "/../../etc/passwd",
    ] {
        assert_eq!(raw_status(&server, attempt), 404, "{attempt}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn uploads_are_analysed_limited_and_deleted() {
    let fx = Fixture::new(3);
    let server = Running::start(fx.db(), genrespace_server::UploadLimits { max_bytes: 4 << 20, ..limits() });
    let c = client();
    let clip = real_clip(fx.tmp.path());
    let bytes = std::fs::read(&clip).unwrap();
    let name = clip.file_name().unwrap().to_str().unwrap().to_string();

    let r = c.post(server.url("/api/analyze")).multipart(upload_form(&name, bytes.clone())).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let answer: Value = r.json().await.unwrap();
    let hash = answer["upload"].as_str().unwrap().to_string();
    assert_eq!(answer["name"], name.as_str());
    assert!(answer["genres"].as_object().unwrap().len() > 1, "{answer}");
    assert_eq!(answer["playlist_url"], format!("/playlist?upload={hash}"));
    let p = json(&server, &format!("/api/playlist?upload={hash}&n=5")).await;
    assert_eq!(p["tracks"].as_array().unwrap().len(), 5);
    assert_eq!(p["seeds"][0]["in_library"], false);
    assert!(text(&server, &format!("/playlist?upload={hash}")).await.contains("<svg"));
    assert_eq!(json(&server, &format!("/api/map?upload={hash}")).await["playlist"].as_array().unwrap().len(), 9, "every other track");
    assert_eq!(json(&server, &format!("/api/path?from=upload:{hash}&to={}&n=3", p["tracks"][4]["id"])).await["steps"].as_array().unwrap().len(), 3);

    // The plain form: a 303 to the playlist page.
    let r = c.post(server.url("/upload")).multipart(upload_form(&name, bytes)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()[header::LOCATION], format!("/playlist?upload={hash}").as_str());

    // Not audio: 415 with the decoder's reason, naming the upload and not the server's files.
    for (bad_name, bad) in [
        ("notes.mp3", b"these are my notes, not a song\n".repeat(200)),
        ("empty.wav", Vec::new()),
        ("noise.ogg", (0..50_000u32).map(|i| (i * 7919 % 251) as u8).collect()),
    ] {
        let r = c.post(server.url("/api/analyze")).multipart(upload_form(bad_name, bad)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE, "{bad_name}");
        let e: Value = r.json().await.unwrap();
        let e = e["error"].as_str().unwrap();
        assert!(e.starts_with(&format!("{bad_name}: ")) && !e.contains("genrespace-uploads"), "{e}");
    }
    // Too large: 413, announced by Content-Length or found while streaming.
    // Announced: answered from the headers alone, before any of the body is sent.
    let mut s = TcpStream::connect(server.addr).unwrap();
    write!(s, "POST /api/analyze HTTP/1.1\r\nHost: localhost\r\nContent-Type: multipart/form-data; boundary=XyZ\r\nContent-Length: {}\r\n\r\n", 5 << 20)
        .unwrap();
    let mut head = [0u8; 12];
    s.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 413", "{}", String::from_utf8_lossy(&head));
    let big = vec![0u8; 5 << 20];
    let stream = reqwest::Body::wrap_stream(futures_stream(big));
    let r = c.post(server.url("/api/analyze")).header(header::CONTENT_TYPE, "multipart/form-data; boundary=XyZ").body(stream).send().await;
    // Streamed without a length: cut off at the limit (the client may see the 413 or, still
    // writing, a closed connection).
    let r = r.map(|r| r.status());
    assert!(r.as_ref().map(|s| *s == StatusCode::PAYLOAD_TOO_LARGE).unwrap_or(true), "a chunked oversize body is refused: {r:?}");
    // A form without the file, and no form at all, on a new connection: the server may close
    // the one it refused a body on while the pool still holds it (seen as IncompleteMessage).
    let c = client();
    let r = c.post(server.url("/api/analyze")).multipart(Form::new().text("other", "x")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = c.post(server.url("/api/analyze")).body("plain").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    assert_eq!(std::fs::read_dir(&server.upload_dir).unwrap().count(), 0, "every upload deleted after its analysis");
}

/// `body` as a chunked multipart stream with no Content-Length, 64 KiB at a time.
fn futures_stream(body: Vec<u8>) -> impl futures_core::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    let mut chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        vec![Ok(b"--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.wav\"\r\n\r\n".to_vec())];
    chunks.extend(body.chunks(64 << 10).map(|c| Ok(c.to_vec())));
    chunks.push(Ok(b"\r\n--XyZ--\r\n".to_vec()));
    tokio_stream_iter(chunks)
}

fn tokio_stream_iter<T>(items: Vec<T>) -> impl futures_core::Stream<Item = T> {
    struct Iter<T>(std::vec::IntoIter<T>);
    impl<T> futures_core::Stream for Iter<T> {
        type Item = T;
        fn poll_next(mut self: std::pin::Pin<&mut Self>, _: &mut std::task::Context<'_>) -> std::task::Poll<Option<T>> {
            std::task::Poll::Ready(self.0.next())
        }
    }
    impl<T> Unpin for Iter<T> {}
    Iter(items.into_iter())
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_concurrent_uploads_are_all_answered_and_the_server_lives() {
    let fx = Fixture::new(2);
    let server = Running::start(fx.db(), genrespace_server::UploadLimits { jobs: 1, queue: 4, ..limits() });
    // Fifty different songs (different content, so none is a cached copy of another).
    let mut clips = Vec::new();
    for i in 0..50 {
        let path = fx.tmp.path().join(format!("up/{i}.wav"));
        support::write_wav(&path, 3.0, 100 + i);
        clips.push(std::fs::read(&path).unwrap());
    }
    let c = client();
    let tasks: Vec<_> = clips
        .into_iter()
        .enumerate()
        .map(|(i, bytes)| {
            let (c, url) = (c.clone(), server.url("/api/analyze"));
            tokio::spawn(async move {
                let r = c.post(url).multipart(upload_form(&format!("{i}.wav"), bytes)).send().await.unwrap();
                let retry = r.headers().get(header::RETRY_AFTER).map(|v| v.to_str().unwrap().to_string());
                (r.status(), retry)
            })
        })
        .collect();
    let mut ok = 0;
    let mut busy = 0;
    for t in tasks {
        let (status, retry) = t.await.unwrap();
        match status {
            StatusCode::OK => ok += 1,
            StatusCode::SERVICE_UNAVAILABLE => {
                assert!(retry.is_some(), "503 carries Retry-After");
                busy += 1
            }
            s => panic!("unexpected status {s}"),
        }
    }
    assert_eq!(ok + busy, 50);
    assert!(ok >= 5, "at least the admitted ones were analysed: {ok} ok, {busy} busy");
    assert!(busy > 0, "a burst beyond jobs + queue is turned away: {ok} ok, {busy} busy");
    assert_eq!(get(&server, "/").await.status(), StatusCode::OK, "the server is alive");
    assert_eq!(std::fs::read_dir(&server.upload_dir).unwrap().count(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_library_indexed_while_served_is_seen_whole() {
    let fx = Fixture::new(2);
    let server = Running::start(fx.db(), limits());
    let before = json(&server, "/api/library").await;
    assert_eq!(before["tracks"], 6);
    let first = json(&server, "/api/tracks").await["tracks"][0]["id"].as_i64().unwrap();
    assert_eq!(json(&server, &format!("/api/map?track={first}")).await["points"].as_array().unwrap().len(), 6);
    // Index three more songs into the library the server is reading.
    for member in 0..3 {
        support::write_family_wav(&fx.music().join(format!("family3/new{member}.wav")), 2, 5 + member);
    }
    let db = fx.db();
    let music = fx.music();
    tokio::task::spawn_blocking(move || {
        let a = support::analyzer();
        let mut lib = genrespace_recommender::Library::open(&db).unwrap();
        genrespace_recommender::index_library(&mut lib, &a, &music, &support::opts()).unwrap();
    })
    .await
    .unwrap();
    let after = json(&server, "/api/library").await;
    assert_eq!(after["tracks"], 9);
    assert_ne!(after["generation"], before["generation"]);
    let map = json(&server, &format!("/api/map?track={first}")).await;
    assert_eq!(map["points"].as_array().unwrap().len(), 9, "the points are read again after the index run");
    let p = json(&server, &format!("/api/playlist?track={first}&n=8")).await;
    assert_eq!(p["tracks"].as_array().unwrap().len(), 8, "new tracks are candidates");
}

/// Answers without their timings (at any depth), which differ from request to request.
fn without_timings(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        o.remove("timings");
        for value in o.values_mut() {
            *value = without_timings(value.take());
        }
    }
    v
}

/// The web app over a PostgreSQL library (a copy of the fixture's, on a throwaway server)
/// answers as it does over the SQLite file.
#[tokio::test(flavor = "multi_thread")]
async fn a_postgres_library_serves_the_same_answers_as_sqlite() {
    let Some(cluster) = pg::PgCluster::start() else { return };
    let fx = Fixture::new(3);
    let (file, url) = (genrespace_recommender::Location::File(fx.db()), genrespace_recommender::Location::parse(&cluster.url));
    let target = url.clone();
    // The database clients block: not on the test's runtime threads.
    let copied = tokio::task::spawn_blocking(move || genrespace_recommender::library::copy_library(&file, &target, false)).await.unwrap().unwrap();
    assert_eq!(copied.tracks, 9);
    let (sqlite, postgres) = (Running::start(fx.db(), limits()), Running::start(url, limits()));
    assert_eq!(json(&postgres, "/api/library").await["tracks"], 9);
    for path in [
        "/api/tracks?sort=path",
        "/api/tracks?q=family2&sort=duration&order=desc",
        "/api/tracks/4",
        "/api/playlist?track=4&n=4",
        "/api/playlist?track=7&n=3&space=genres&rerank=none",
    ] {
        let (a, b) = (without_timings(json(&sqlite, path).await), without_timings(json(&postgres, path).await));
        assert_eq!(a, b, "{path}");
    }
    drop(postgres); // stopped before the cluster goes
}
