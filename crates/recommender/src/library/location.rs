//! Where a library lives: a SQLite file, or a PostgreSQL database named by its URL.

use std::path::{Path, PathBuf};

/// A library's place, as `--db` (or `GENRESPACE_DB`) gives it: `postgres://` and
/// `postgresql://` URLs (libpq's connection URIs) name a PostgreSQL database, anything else a
/// SQLite file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    File(PathBuf),
    Postgres(PostgresUrl),
}

/// A PostgreSQL connection URL, and the same without its password for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostgresUrl {
    pub url: String,
    name: PathBuf,
}

impl Location {
    pub fn parse(text: &str) -> Self {
        if text.starts_with("postgres://") || text.starts_with("postgresql://") {
            Location::Postgres(PostgresUrl { url: text.to_owned(), name: PathBuf::from(without_password(text)) })
        } else {
            Location::File(PathBuf::from(text))
        }
    }

    /// The name messages use: the file, or the URL without its password.
    pub fn name(&self) -> PathBuf {
        self.name_ref().to_path_buf()
    }

    pub(crate) fn name_ref(&self) -> &Path {
        match self {
            Location::File(path) => path,
            Location::Postgres(url) => &url.name,
        }
    }
}

impl std::str::FromStr for Location {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self::parse(s))
    }
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.name_ref().display())
    }
}

impl From<&Path> for Location {
    fn from(path: &Path) -> Self {
        Location::File(path.to_path_buf())
    }
}

impl From<&PathBuf> for Location {
    fn from(path: &PathBuf) -> Self {
        Location::File(path.clone())
    }
}

impl From<PathBuf> for Location {
    fn from(path: PathBuf) -> Self {
        Location::File(path)
    }
}

impl From<&Location> for Location {
    fn from(location: &Location) -> Self {
        location.clone()
    }
}

/// `scheme://user:secret@host/db?password=secret` → `scheme://user@host/db`: the password (in the
/// user part or as a query parameter) never reaches a message or a log.
fn without_password(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((user, host)) => format!("{}@{host}", user.split(':').next().unwrap_or("")),
        None => authority.to_owned(),
    };
    let tail = match tail.split_once('?') {
        Some((path, query)) => {
            let kept: Vec<&str> = query.split('&').filter(|p| !p.starts_with("password=")).collect();
            if kept.is_empty() {
                path.to_owned()
            } else {
                format!("{path}?{}", kept.join("&"))
            }
        }
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_postgres_and_the_rest_files() {
        assert!(matches!(Location::parse("postgres://u@h/db"), Location::Postgres(_)));
        assert!(matches!(Location::parse("postgresql:///db?host=/tmp"), Location::Postgres(_)));
        assert_eq!(Location::parse("lib/postgres.db"), Location::File("lib/postgres.db".into()));
    }

    #[test]
    fn passwords_are_left_out_of_names() {
        let name = |u: &str| Location::parse(u).to_string();
        assert_eq!(name("postgres://ann:s3cret@db.example:5433/music"), "postgres://ann@db.example:5433/music");
        assert_eq!(name("postgresql://ann@h/music?password=s3cret&sslmode=require"), "postgresql://ann@h/music?sslmode=require");
        assert_eq!(name("postgres:///music?host=/run/pg&password=x"), "postgres:///music?host=/run/pg");
        assert_eq!(name("postgres://h"), "postgres://h");
    }
}
