//! The HTML pages: minijinja templates compiled into the program, filled with the same data
//! the JSON API serves ([`crate::views`]). Every page works with plain links and forms; the
//! script (`static/app.js`) adds drag and drop with upload progress, play-all, and the
//! interactive map.

use std::sync::OnceLock;

use axum::extract::multipart::{Multipart, MultipartRejection};
use axum::extract::{Path, RawQuery, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use genrespace_recommender::playlist::QueryInfo;
use genrespace_recommender::PlaylistRequest;
use minijinja::value::Serde;
use minijinja::{context, Environment, Value};

use crate::error::ServerError;
use crate::params::parse;
use crate::receive::receive;
use crate::state::{read, Shared};
use crate::views::{self, PathParams, SeedParams, TrackListParams};

/// Genres shown on a pie; the rest are `other` (or left out of a tagger's pie).
const PIE_GENRES: usize = 8;

/// A page that failed: the error page with the error's status.
pub struct PageError(pub ServerError);

impl From<ServerError> for PageError {
    fn from(e: ServerError) -> Self {
        PageError(e)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let status = self.0.status();
        let body =
            render("error.html", context! { title => status.canonical_reason().unwrap_or("Error"), status => status.as_u16(), message => self.0.message() })
                .unwrap_or_else(|_| Html(format!("<h1>{status}</h1>")));
        self.0.respond(body)
    }
}

pub async fn library(State(state): State<Shared>, RawQuery(q): RawQuery) -> Result<Html<String>, PageError> {
    let p: TrackListParams = parse(q.as_deref())?;
    let shown = p.clone();
    let (list, tracks, model, genres) =
        read(&state, move |_, lib| Ok((views::track_list(lib, &shown)?, lib.len()?, lib.meta().model.name.clone(), lib.meta().model.genres.clone()))).await?;
    Ok(render("library.html", context! { title => "Library", list => ser(&list), params => ser(&ListForm::of(&p)), tracks, model, genres })?)
}

pub async fn track(State(state): State<Shared>, Path(id): Path<String>) -> Result<Html<String>, PageError> {
    let id = crate::api::track_id(&id)?;
    let detail = read(&state, move |state, lib| views::track_detail(state, lib, id)).await?;
    let pie = pie(&detail.genres, "genre composition")?;
    let title = detail.track.info.title.clone().unwrap_or_else(|| file_name(&detail.track.path));
    Ok(render("track.html", context! { title, detail => ser(&detail), pie })?)
}

pub async fn playlist(State(state): State<Shared>, RawQuery(q): RawQuery) -> Result<Html<String>, PageError> {
    let (seed, request): (SeedParams, PlaylistRequest) = (parse(q.as_deref())?, parse(q.as_deref())?);
    let form = seed.clone();
    let shown = request.clone();
    let (playlist, genres) =
        read(&state, move |state, lib| Ok((views::playlist(state, lib, &form.seed()?, &shown, form.excluded()?)?, lib.meta().model.genres.clone()))).await?;
    let query: &QueryInfo = &playlist.seeds[0];
    let pie = pie(&query.genres, "genre composition")?;
    let title = query.title.clone().unwrap_or_else(|| file_name(&query.path));
    let query_string = q.unwrap_or_default();
    Ok(render(
        "playlist.html",
        context! { title, playlist => ser(&playlist), pie, seed => ser(&SeedForm::of(&seed)), options => ser(&OptionsForm::of(&request)), query_string, genres },
    )?)
}

pub async fn path(State(state): State<Shared>, RawQuery(q): RawQuery) -> Result<Html<String>, PageError> {
    let (ends, request): (PathParams, PlaylistRequest) = (parse(q.as_deref())?, parse(q.as_deref())?);
    let asked = !ends.from.trim().is_empty() || !ends.to.trim().is_empty();
    let form = ends.clone();
    let shown = request.clone();
    let (journey, genres) = read(&state, move |state, lib| {
        let journey = if asked { Some(views::path(state, lib, &form, &shown)?) } else { None };
        Ok((journey, lib.meta().model.genres.clone()))
    })
    .await?;
    let ends = context! { from => ends.from, to => ends.to, via => ends.via };
    Ok(render(
        "path.html",
        context! { title => "Journey", journey => ser(&journey), ends, options => ser(&OptionsForm::of(&request)), query_string => q.unwrap_or_default(), genres },
    )?)
}

pub async fn map(RawQuery(q): RawQuery) -> Result<Html<String>, PageError> {
    Ok(render("map.html", context! { title => "Genre-space map", query_string => q.unwrap_or_default() })?)
}

/// The form's upload: analysed, then on to its playlist (303, so reloading does not post again).
pub async fn upload(State(state): State<Shared>, multipart: Result<Multipart, MultipartRejection>) -> Result<Redirect, PageError> {
    let uploaded = receive(&state, multipart).await?;
    Ok(Redirect::to(&format!("/playlist?upload={}", uploaded.hash)))
}

pub async fn not_found() -> PageError {
    PageError(ServerError::NotFound("no such page".into()))
}

/// The pie of `genres` as inline SVG: a softmax model's composition (probabilities summing to
/// one, the rest as `other`) or a tagger's top tags.
fn pie(genres: &[(String, f32)], title: &str) -> Result<String, ServerError> {
    let sum: f32 = genres.iter().map(|g| g.1).sum();
    let composition = (sum - 1.0).abs() < 0.01;
    let shown = &genres[..genres.len().min(PIE_GENRES)];
    genrespace_plot::pie_svg(shown, composition, title).map_err(|e| ServerError::Internal(e.to_string()))
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Any serde value as a template value.
fn ser(value: &impl serde::Serialize) -> Value {
    Value::from(Serde(value))
}

/// A unit enum's serialized name (`Space::Genres` → `genres`), as the forms select it.
fn name_of(v: &impl serde::Serialize) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// The templates, parsed once.
fn templates() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            env.add_template(name, source).unwrap_or_else(|e| panic!("template {name} does not parse: {e}"));
        }
        env.add_filter("duration", |s: f64| format!("{}:{:02}", (s / 60.0) as u64, (s % 60.0) as u64));
        env.add_filter("pct", |p: f64| format!("{:.0}%", 100.0 * p));
        env.add_filter("fixed", |v: f64, digits: Option<usize>| format!("{v:.*}", digits.unwrap_or(3)));
        env.add_filter("basename", |p: String| std::path::Path::new(&p).file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or(p));
        env
    })
}

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../templates/base.html")),
    ("macros.html", include_str!("../templates/macros.html")),
    ("library.html", include_str!("../templates/library.html")),
    ("track.html", include_str!("../templates/track.html")),
    ("playlist.html", include_str!("../templates/playlist.html")),
    ("path.html", include_str!("../templates/path.html")),
    ("map.html", include_str!("../templates/map.html")),
    ("error.html", include_str!("../templates/error.html")),
];

fn render(name: &str, ctx: Value) -> Result<Html<String>, ServerError> {
    let template = templates().get_template(name).map_err(|e| ServerError::Internal(format!("template {name}: {e}")))?;
    template.render(ctx).map(Html).map_err(|e| ServerError::Internal(format!("template {name}: {e:#}")))
}

/// The library page's search form as the user left it.
#[derive(serde::Serialize)]
struct ListForm {
    q: String,
    sort: String,
    order: String,
    per_page: usize,
}

impl ListForm {
    fn of(p: &TrackListParams) -> Self {
        Self { q: p.q.clone(), sort: name_of(&p.sort), order: name_of(&p.order), per_page: p.per_page }
    }
}

/// The query of a playlist page, to keep it in the options form.
#[derive(serde::Serialize)]
struct SeedForm {
    track: Option<i64>,
    upload: Option<String>,
    exclude: String,
}

impl SeedForm {
    fn of(s: &SeedParams) -> Self {
        Self { track: s.track, upload: s.upload.clone(), exclude: s.exclude.clone() }
    }
}

/// The playlist options as the forms show them.
#[derive(serde::Serialize)]
struct OptionsForm {
    n: usize,
    space: String,
    rerank: String,
    candidates: Option<usize>,
    dtw_weight: f64,
    within_genre: bool,
    max_per_artist: Option<usize>,
    max_per_album: Option<usize>,
    exclude_genres: String,
    min_duration: Option<f64>,
    max_duration: Option<f64>,
    toward: String,
    shuffle: Option<usize>,
    seed: u64,
}

impl OptionsForm {
    fn of(r: &PlaylistRequest) -> Self {
        Self {
            n: r.n,
            space: name_of(&r.space),
            rerank: name_of(&r.rerank),
            candidates: r.candidates,
            dtw_weight: r.dtw_weight,
            within_genre: r.within_genre,
            max_per_artist: r.max_per_artist,
            max_per_album: r.max_per_album,
            exclude_genres: r.exclude_genres.join(", "),
            min_duration: r.min_duration,
            max_duration: r.max_duration,
            toward: r.toward.as_ref().map(|t| format!("{}:{}", t.genre, t.amount)).unwrap_or_default(),
            shuffle: r.shuffle,
            seed: r.seed,
        }
    }
}
