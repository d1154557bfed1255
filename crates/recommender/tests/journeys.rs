//! Playlists from several seeds, paths from one song to another and steering by genre, on a
//! generated library of three families of related sounds (6 tracks each), analysed with the
//! shipped model.

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use common::{analyzer, open, opts, write_family_wav};
use genrespace_recommender::journey::Step;
use genrespace_recommender::target::{genre_index, Toward};
use genrespace_recommender::{index_library, make_path, make_playlist, Anchor, Library, PlaylistOptions, Query, Rerank, Space, Variety};

const FAMILIES: usize = 3;
const MEMBERS: usize = 6;

/// `music/family{f}/m{m}.wav` for every family and member, indexed.
fn family_library() -> (tempfile::TempDir, Library) {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("music");
    for f in 0..FAMILIES {
        for m in 0..MEMBERS {
            write_family_wav(&track_path(&root, f, m), f, m);
        }
    }
    let a = analyzer();
    let mut lib = open(&tmp.path().join("lib.db"), &a);
    index_library(&mut lib, &a, &root, &opts()).unwrap();
    (tmp, lib)
}

fn track_path(root: &Path, family: usize, member: usize) -> PathBuf {
    root.join(format!("family{family}/m{member}.wav"))
}

fn song(lib: &Library, tmp: &tempfile::TempDir, family: usize, member: usize) -> Query {
    let row = lib.track_by_path(&track_path(&tmp.path().join("music"), family, member)).unwrap().expect("indexed");
    Query::from_track(lib, row).unwrap()
}

fn family_of(path: &Path) -> usize {
    let folder = path.parent().unwrap().file_name().unwrap().to_string_lossy().into_owned();
    folder.trim_start_matches("family").parse().unwrap()
}

/// The library's tracks (other than `skip`) by distance to `point` in `space`, nearest first.
fn by_distance(lib: &Library, space: Space, point: &[f32], skip: &HashSet<i64>) -> Vec<i64> {
    let v = lib.vectors(space).unwrap();
    let mut ids: Vec<(f32, i64)> = v
        .ids
        .iter()
        .filter(|id| !skip.contains(id))
        .map(|&id| (v.row(id).unwrap().iter().zip(point).map(|(a, b)| (a - b) * (a - b)).sum::<f32>(), id))
        .collect();
    ids.sort_by(|a, b| a.0.total_cmp(&b.0));
    ids.into_iter().map(|(_, id)| id).collect()
}

#[test]
fn several_seeds_give_both_families_and_never_a_seed() {
    let (tmp, lib) = family_library();
    let vectors = lib.vectors(Space::Embedding).unwrap();
    let seeds = [song(&lib, &tmp, 0, 0), song(&lib, &tmp, 1, 0)];
    let seed_ids: HashSet<i64> = seeds.iter().map(|q| q.id.unwrap()).collect();
    for rerank in [Rerank::Dtw, Rerank::None] {
        let p = make_playlist(&lib, &vectors, &seeds, &PlaylistOptions { n: 6, rerank, ..Default::default() }).unwrap();
        assert_eq!(p.seeds.len(), 2);
        assert_eq!(p.tracks.len(), 6);
        assert!(p.tracks.iter().all(|e| !seed_ids.contains(&e.id)), "no seed in the playlist");
        let families: Vec<usize> = p.tracks.iter().map(|e| family_of(&e.path)).collect();
        assert!(families.contains(&0) && families.contains(&1), "both seeds' families appear: {families:?}");
        // Each entry is credited to the seed it is nearer to, and the seeds take turns.
        assert_eq!(p.tracks.iter().map(|e| e.seed).collect::<Vec<_>>(), vec![0, 1, 0, 1, 0, 1]);
        for e in &p.tracks {
            assert_eq!(family_of(&e.path), [0, 1][e.seed], "{} credited to seed {}", e.path.display(), e.seed);
        }
    }
    // One seed is the plain playlist.
    let one = make_playlist(&lib, &vectors, &seeds[..1], &PlaylistOptions { n: 5, ..Default::default() }).unwrap();
    assert!(one.tracks.iter().all(|e| e.seed == 0 && family_of(&e.path) == 0), "a family has 5 other members");
    assert!(make_playlist(&lib, &vectors, &[], &PlaylistOptions::default()).is_err());
}

#[test]
fn a_path_walks_from_a_to_b_through_its_waypoints() {
    let (tmp, lib) = family_library();
    for space in [Space::Embedding, Space::Genres] {
        let vectors = lib.vectors(space).unwrap();
        let (a, b) = (song(&lib, &tmp, 0, 0), song(&lib, &tmp, 1, 0));
        let ends: HashSet<i64> = [a.id.unwrap(), b.id.unwrap()].into();
        let (a_point, b_point) = (a.target(space, &lib, vectors.dims).unwrap().point, b.target(space, &lib, vectors.dims).unwrap().point);
        let opts = PlaylistOptions { n: 8, space, rerank: Rerank::None, ..Default::default() };
        let path = make_path(&lib, &vectors, &[Anchor::Song(Box::new(a)), Anchor::Song(Box::new(b))], &opts).unwrap();
        let ids: Vec<i64> = path.steps.iter().map(|s| s.entry.id).collect();
        assert_eq!(ids.len(), 8);
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 8, "no repeats");
        assert!(ids.iter().all(|id| !ends.contains(id)), "the endpoints are not steps");
        assert_eq!(ids[0], by_distance(&lib, space, &a_point, &ends)[0], "first is the nearest to A");
        assert_eq!(ids[7], by_distance(&lib, space, &b_point, &ends)[0], "last is the nearest to B");
        let to_end: Vec<f64> = path.steps.iter().map(|s| s.distance_to_end).collect();
        let (first_half, second_half) = (to_end[..4].iter().sum::<f64>(), to_end[4..].iter().sum::<f64>());
        assert!(second_half < first_half, "closer to B on average as the path goes on: {to_end:?}");
        check_steps(&path.steps, &vectors, &b_point);
    }

    // Waypoints are visited in order, as their own steps; DTW keeps transitions smooth.
    let vectors = lib.vectors(Space::Embedding).unwrap();
    let anchors = [song(&lib, &tmp, 0, 0), song(&lib, &tmp, 2, 3), song(&lib, &tmp, 1, 2), song(&lib, &tmp, 1, 0)];
    let via: Vec<i64> = anchors[1..3].iter().map(|q| q.id.unwrap()).collect();
    let anchors: Vec<Anchor> = anchors.into_iter().map(|q| Anchor::Song(Box::new(q))).collect();
    let path = make_path(&lib, &vectors, &anchors, &PlaylistOptions { n: 9, ..Default::default() }).unwrap();
    let ids: Vec<i64> = path.steps.iter().map(|s| s.entry.id).collect();
    let at: Vec<usize> = via.iter().map(|w| ids.iter().position(|id| id == w).expect("waypoint visited")).collect();
    assert!(at[0] < at[1], "waypoints in order: {at:?}");
    assert_eq!(ids.iter().collect::<HashSet<_>>().len(), 9);
    assert!(path.steps.iter().all(|s| s.entry.dtw_distance.is_some()), "DTW from the song before each step");
    assert_eq!(path.steps[at[0]].target.fraction, 1.0, "a waypoint's step aims at the waypoint");

    // Exclusions and limits are honoured; too few steps or a shuffle are refused.
    let excluded: HashSet<i64> = ids[..3].iter().copied().collect();
    let ends = || [Anchor::Song(Box::new(song(&lib, &tmp, 0, 0))), Anchor::Song(Box::new(song(&lib, &tmp, 1, 0)))];
    let p = make_path(&lib, &vectors, &ends(), &PlaylistOptions { n: 6, exclude: excluded.clone(), ..Default::default() }).unwrap();
    assert!(p.steps.iter().all(|s| !excluded.contains(&s.entry.id)));
    let shuffle = PlaylistOptions { variety: Variety { shuffle_among: Some(5), ..Default::default() }, ..Default::default() };
    assert!(make_path(&lib, &vectors, &ends(), &shuffle).unwrap_err().to_string().contains("--shuffle"));
    assert!(make_path(&lib, &vectors, &anchors, &PlaylistOptions { n: 3, ..Default::default() }).is_err());
    let all = PlaylistOptions { n: 17, ..Default::default() };
    assert!(make_path(&lib, &vectors, &ends(), &all).unwrap_err().to_string().contains("too few tracks"), "16 tracks besides the ends");
}

/// Every step's reported numbers agree with the library's points.
fn check_steps(steps: &[Step], vectors: &genrespace_recommender::library::GenreVectors, end: &[f32]) {
    let distance = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| ((x - y) as f64).powi(2)).sum::<f64>().sqrt();
    for (i, s) in steps.iter().enumerate() {
        let point = vectors.row(s.entry.id).unwrap();
        assert_eq!(s.entry.rank, i + 1);
        assert!((s.distance_to_end - distance(point, end)).abs() < 1e-4);
        assert!((s.entry.distance - distance(point, &s.target.point)).abs() < 1e-3, "distance to the step's target");
        assert!(s.target.fraction >= 0.0 && s.target.fraction <= 1.0);
    }
    assert!(steps[steps.len() - 1].target.point.iter().zip(end).all(|(a, b)| (a - b).abs() < 1e-5), "the last step aims at the end");
}

#[test]
fn steering_toward_a_genre_raises_its_probability() {
    let (tmp, lib) = family_library();
    let genres = lib.meta().model.genres.clone();
    let vectors = lib.vectors(Space::Embedding).unwrap();
    let query = song(&lib, &tmp, 0, 0);
    let mean_of = |genre: usize, p: &genrespace_recommender::Playlist| {
        p.tracks.iter().map(|e| lib.vector(e.id).unwrap()[genre] as f64).sum::<f64>() / p.tracks.len() as f64
    };
    let plain = make_playlist(&lib, &vectors, std::slice::from_ref(&query), &PlaylistOptions { n: 5, ..Default::default() }).unwrap();
    // The genre the rest of the library has most more of than the plain playlist: a direction
    // there is somewhere to move in (on these sounds, rock).
    let library_mean = |g: usize| vectors.ids.iter().map(|&id| lib.vector(id).unwrap()[g] as f64).sum::<f64>() / vectors.ids.len() as f64;
    let gain = |g: usize| library_mean(g) - mean_of(g, &plain);
    let (axis, genre) = genre_index(&lib, &genres[(0..genres.len()).max_by(|&a, &b| gain(a).total_cmp(&gain(b))).unwrap()]).unwrap();
    let toward = Toward { genre: genre.to_uppercase(), amount: 0.6 };
    let steered = make_playlist(&lib, &vectors, std::slice::from_ref(&query), &PlaylistOptions { n: 5, toward: Some(toward), ..Default::default() }).unwrap();
    assert!(mean_of(axis, &steered) > mean_of(axis, &plain), "{genre}: {} -> {}", mean_of(axis, &plain), mean_of(axis, &steered));
    assert!(steered.tracks.iter().all(|e| e.id != query.id.unwrap()));
    let unknown = Toward { genre: "polka".into(), amount: 0.5 };
    let e = make_playlist(&lib, &vectors, std::slice::from_ref(&query), &PlaylistOptions { toward: Some(unknown), ..Default::default() }).unwrap_err();
    assert!(e.to_string().contains("polka") && e.to_string().contains("jazz"), "{e}");

    // A genre as the end of a path: the path ends among the tracks most typical of it.
    let path =
        make_path(&lib, &vectors, &[Anchor::Song(Box::new(query)), Anchor::Genre(genre.clone())], &PlaylistOptions { n: 5, ..Default::default() }).unwrap();
    let p = |s: &Step| lib.vector(s.entry.id).unwrap()[axis];
    assert!(p(&path.steps[4]) > p(&path.steps[0]), "{genre} rises along the path");
}
