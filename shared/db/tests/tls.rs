//! Postgres over TLS as the URL asks (`sslmode`, `sslrootcert`), against a throwaway PostgreSQL
//! started with `ssl=on` and a certificate made at test time, and against the test Postgres,
//! which speaks no TLS.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use diesel::sql_types::Bool;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use onaltu_db::{DatabaseSettings, build_pool, check, ping, run_migrations, tls};
use onaltu_testkit::tls::Pki;
use secrecy::SecretString;

/// The newest `initdb` of the Debian packages (as scripts/stack.sh finds it), else on PATH.
fn pg_bin() -> Option<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|d| d.join("initdb").is_file())
        .collect();
    dirs.sort_by_key(|d| {
        d.parent()
            .and_then(|v| v.file_name())
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    dirs.pop().or_else(|| {
        let out = Command::new("sh")
            .args(["-c", "command -v initdb"])
            .output()
            .ok()?;
        let path = String::from_utf8(out.stdout).ok()?;
        Path::new(path.trim()).parent().map(Path::to_path_buf)
    })
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

/// A private PostgreSQL with `ssl=on`, its certificate issued by `pki` for `localhost` only;
/// stopped when dropped. Run as the `postgres` user when the tests run as root.
struct TlsPostgres {
    bin: PathBuf,
    root: tempfile::TempDir,
    port: u16,
    as_root: bool,
}

impl TlsPostgres {
    fn run(&self, program: &str, args: &[&str]) {
        let binary = self.bin.join(program);
        let mut command = if self.as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&binary);
            c
        } else {
            Command::new(&binary)
        };
        let out = command.args(args).output().expect("run a PostgreSQL tool");
        let log =
            std::fs::read_to_string(self.root.path().join("postgres.log")).unwrap_or_default();
        assert!(
            out.status.success(),
            "{program}: {}\n{log}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn start(bin: PathBuf, pki: &Pki) -> Self {
        let root = tempfile::tempdir().unwrap();
        let as_root = is_root();
        let owned = |path: &Path| {
            if as_root {
                let ok = Command::new("chown")
                    .arg("postgres:postgres")
                    .arg(path)
                    .status()
                    .unwrap()
                    .success();
                assert!(ok, "chown {}", path.display());
            }
        };
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        owned(root.path());
        let server = Self {
            bin,
            root,
            port: onaltu_testkit::free_port(),
            as_root,
        };
        let data = server.root.path().join("data");
        let log = server.root.path().join("postgres.log");
        std::fs::write(&log, "").unwrap();
        owned(&log);
        server.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
                "--no-sync",
            ],
        );
        let issued = pki.issue(&["localhost"]);
        for (name, pem, mode) in [
            ("server.crt", &issued.cert_pem, 0o644),
            ("server.key", &issued.key_pem, 0o600),
        ] {
            let path = data.join(name);
            std::fs::write(&path, pem).unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            owned(&path);
        }
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c ssl=on \
             -c ssl_cert_file=server.crt -c ssl_key_file=server.key",
            server.port,
            server.root.path().display()
        );
        server.run(
            "pg_ctl",
            &[
                "-D",
                data.to_str().unwrap(),
                "-l",
                log.to_str().unwrap(),
                "-w",
                "-t",
                "30",
                "-o",
                &options,
                "start",
            ],
        );
        server
    }

    fn url(&self, host: &str, query: &str) -> String {
        format!("postgres://postgres@{host}:{}/postgres{query}", self.port)
    }
}

impl Drop for TlsPostgres {
    fn drop(&mut self) {
        let data = self.root.path().join("data");
        let mut command = if self.as_root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"])
                .arg(self.bin.join("pg_ctl"));
            c
        } else {
            Command::new(self.bin.join("pg_ctl"))
        };
        let _ = command
            .args([
                "-D",
                data.to_str().unwrap_or_default(),
                "-m",
                "immediate",
                "stop",
            ])
            .output();
    }
}

#[derive(diesel::QueryableByName)]
struct Encrypted {
    #[diesel(sql_type = Bool)]
    ssl: bool,
}

/// Whether the connection's own session is encrypted, as the server sees it.
async fn encrypted(conn: &mut AsyncPgConnection) -> bool {
    diesel::sql_query("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
        .get_result::<Encrypted>(conn)
        .await
        .unwrap()
        .ssl
}

fn settings(url: &str) -> DatabaseSettings {
    DatabaseSettings {
        url: SecretString::from(url.to_string()),
        connect_timeout_ms: 5_000,
        ..DatabaseSettings::default()
    }
}

#[tokio::test]
async fn the_url_says_how_the_server_is_verified() {
    let Some(bin) = pg_bin() else {
        eprintln!("SKIPPED: no PostgreSQL binaries (initdb) here to start a TLS server with");
        return;
    };
    let pki = Pki::new("Onaltu test CA");
    let stranger = Pki::new("Another CA");
    let pg = TlsPostgres::start(bin, &pki);
    let ca = pki.ca_path();

    // In clear unless asked: the same server, no TLS.
    let mut clear = tls::connect(&pg.url("127.0.0.1", "")).await.unwrap();
    assert!(!encrypted(&mut clear).await);
    let mut clear = tls::connect(&pg.url("127.0.0.1", "?sslmode=prefer"))
        .await
        .unwrap();
    assert!(!encrypted(&mut clear).await);

    // Encrypted, and verified as far as each mode goes.
    for (host, query) in [
        ("127.0.0.1", "?sslmode=require".to_string()),
        ("127.0.0.1", format!("?sslmode=verify-ca&sslrootcert={ca}")),
        (
            "localhost",
            format!("?sslmode=verify-full&sslrootcert={ca}"),
        ),
    ] {
        let mut conn = tls::connect(&pg.url(host, &query))
            .await
            .unwrap_or_else(|e| panic!("{host}{query}: {e}"));
        assert!(encrypted(&mut conn).await, "{host}{query}");
    }

    // The certificate names localhost, not 127.0.0.1: verify-full refuses it there.
    let err = tls::connect(&pg.url(
        "127.0.0.1",
        &format!("?sslmode=verify-full&sslrootcert={ca}"),
    ))
    .await
    .err()
    .unwrap()
    .to_string();
    assert!(
        err.contains("certificate not valid for name \"127.0.0.1\""),
        "{err}"
    );

    // Another CA's root: refused by verify-ca, verify-full, and require with a root (libpq's rule).
    let other = stranger.ca_path();
    for (host, mode) in [
        ("localhost", "verify-full"),
        ("localhost", "verify-ca"),
        ("localhost", "require"),
    ] {
        let err = tls::connect(&pg.url(host, &format!("?sslmode={mode}&sslrootcert={other}")))
            .await
            .err()
            .unwrap_or_else(|| panic!("{mode} with another CA connected"))
            .to_string();
        assert!(err.contains("UnknownIssuer"), "{mode}: {err}");
    }

    // The pool, the start-up check and the migrations all go through it.
    let url = pg.url(
        "localhost",
        &format!("?sslmode=verify-full&sslrootcert={ca}"),
    );
    check(&settings(&url)).await.unwrap();
    let pool = build_pool(&settings(&url), "onaltu-test").unwrap();
    assert!(ping(&pool).await);
    let mut pooled = pool.get().await.unwrap();
    assert!(encrypted(&mut pooled).await);
    let applied = run_migrations(
        &SecretString::from(url.clone()),
        &[&onaltu_db::requests::MIGRATIONS],
    )
    .await
    .unwrap();
    assert!(!applied.is_empty());
}

#[tokio::test]
async fn verify_full_against_a_server_without_tls_fails_with_a_clear_error() {
    let pki = Pki::new("Onaltu test CA");
    let base = onaltu_testkit::database_url();
    let separator = if base.contains('?') { '&' } else { '?' };
    let url = format!(
        "{base}{separator}sslmode=verify-full&sslrootcert={}",
        pki.ca_path()
    );
    let err = check(&settings(&url)).await.unwrap_err().to_string();
    assert!(err.contains("cannot connect to the database"), "{err}");
    assert!(err.contains("server does not support TLS"), "{err}");

    // The pool answers the database down, never panics.
    let pool = build_pool(&settings(&url), "onaltu-test").unwrap();
    assert!(!ping(&pool).await);
}

#[test]
fn a_url_whose_tls_cannot_be_honoured_is_refused_at_start_naming_the_key() {
    use onaltu_config::Checker;
    let problems = |url: &str| {
        let mut c = Checker::default();
        c.section("database", &settings(url));
        c.violations()
            .iter()
            .map(|v| format!("{}: {}", v.key, v.message))
            .collect::<Vec<_>>()
    };
    let pki = Pki::new("Onaltu test CA");
    assert!(
        problems(&format!(
            "postgres://app:pw@db/onaltu?sslmode=verify-full&sslrootcert={}",
            pki.ca_path()
        ))
        .is_empty()
    );
    let missing = problems("postgres://app:pw@db/onaltu?sslmode=verify-full");
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert!(missing[0].starts_with("database.url: sslmode=verify-full needs sslrootcert"));
    let absent = problems("postgres://app:pw@db/onaltu?sslmode=verify-ca&sslrootcert=/no/ca.pem");
    assert_eq!(
        absent,
        ["database.url: sslrootcert /no/ca.pem: file does not exist"]
    );
    assert!(!problems("postgres://app:pw@db/onaltu?sslmode=on")[0].contains("pw"));
}
