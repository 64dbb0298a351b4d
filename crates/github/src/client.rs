//! The client: octocrab for transport and auth, our own retry loop for GitHub's rules.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http::{Method, header::HeaderMap};
use http_body_util::BodyExt as _;
use octocrab::Octocrab;
use serde_json::Value;

use crate::GithubError;
use crate::retry::{Answer, Decision, RetryPolicy};

/// A GitHub answer: status, headers and the parsed JSON body (`Null` when empty).
#[derive(Debug, Clone)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: HeaderMap,
    /// Parsed body.
    pub body: Value,
}

/// An authenticated GitHub REST client with retries.
#[derive(Clone)]
pub struct Client {
    octo: Octocrab,
    api_url: String,
    upload_url: String,
    retry: RetryPolicy,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("api_url", &self.api_url)
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds a client for `api_url` with `token`. Call it inside a tokio runtime (octocrab's
    /// HTTP layer needs one at construction): in a sync `main`, `rt.enter()` first.
    pub fn new(api_url: &str, token: &str) -> Result<Self, GithubError> {
        let api_url = api_url.trim_end_matches('/').to_owned();
        let config_err = |message: String| GithubError::Config {
            url: api_url.clone(),
            message,
        };
        let octo = Octocrab::builder()
            .base_uri(api_url.as_str())
            .map_err(|e| config_err(e.to_string()))?
            .personal_token(token.to_owned())
            .add_retry_config(octocrab::service::middleware::retry::RetryConfig::None)
            .set_connect_timeout(Some(Duration::from_secs(10)))
            .set_read_timeout(Some(Duration::from_secs(60)))
            .build()
            .map_err(|e| config_err(e.to_string()))?;
        let upload_url = upload_base(&api_url);
        Ok(Self {
            octo,
            api_url,
            upload_url,
            retry: RetryPolicy::default(),
        })
    }

    /// Builds a client from `GITHUB_TOKEN` (masked in CI) and the context's API URL;
    /// `Ok(None)` when no token is set, so callers can skip GitHub work with a notice.
    /// Like [`Client::new`], call it inside a tokio runtime.
    pub fn from_env(
        ctx: &slipway_kit::GithubContext,
        ui: &slipway_kit::Ui,
    ) -> Result<Option<Self>, slipway_kit::Failure> {
        let token = std::env::var("GITHUB_TOKEN").ok().filter(|t| !t.is_empty());
        let Some(token) = token else { return Ok(None) };
        ui.mask(&token);
        Self::new(&ctx.api_url, &token)
            .map(Some)
            .map_err(slipway_kit::Failure::from)
    }

    /// Replaces the retry policy (tests use short delays).
    #[must_use]
    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The API base URL.
    pub fn api_url(&self) -> &str {
        &self.api_url
    }

    /// Sends a JSON request and returns the parsed body; error statuses become errors.
    /// `path` is relative to the API base (`/repos/o/r/releases`) or an absolute URL.
    pub async fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, GithubError> {
        let resp = self
            .send(
                method.clone(),
                path,
                body.map(|b| (b.to_string().into_bytes(), "application/json")),
            )
            .await?;
        Ok(resp.body)
    }

    /// `GET path`.
    pub async fn get(&self, path: &str) -> Result<Value, GithubError> {
        self.request(Method::GET, path, None).await
    }

    /// `GET path`, `None` on 404.
    pub async fn get_optional(&self, path: &str) -> Result<Option<Value>, GithubError> {
        match self.get(path).await {
            Ok(v) => Ok(Some(v)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `POST path` with a JSON body.
    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, GithubError> {
        self.request(Method::POST, path, Some(body)).await
    }

    /// `PATCH path` with a JSON body.
    pub async fn patch(&self, path: &str, body: &Value) -> Result<Value, GithubError> {
        self.request(Method::PATCH, path, Some(body)).await
    }

    /// `DELETE path`.
    pub async fn delete(&self, path: &str) -> Result<(), GithubError> {
        self.request(Method::DELETE, path, None).await.map(|_| ())
    }

    /// GETs every page of a list endpoint (following `Link: rel="next"`), up to `max_pages`.
    pub async fn get_all(&self, path: &str, max_pages: usize) -> Result<Vec<Value>, GithubError> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut next = Some(format!("{path}{sep}per_page=100"));
        let mut items = Vec::new();
        let mut pages = 0;
        while let Some(url) = next.take() {
            let resp = self.send(Method::GET, &url, None).await?;
            match resp.body {
                Value::Array(list) => items.extend(list),
                other => {
                    return Err(GithubError::Decode {
                        method: "GET".into(),
                        path: path.into(),
                        message: format!("expected a list, got {}", kind(&other)),
                    });
                }
            }
            pages += 1;
            if pages < max_pages {
                // Follow only links on our own API host: the token must never go elsewhere.
                next = next_link(&resp.headers).filter(|url| {
                    let same = url.starts_with(&format!("{}/", self.api_url));
                    if !same {
                        tracing::warn!("not following pagination link to another host: {url}");
                    }
                    same
                });
            }
        }
        Ok(items)
    }

    /// Sends raw bytes (e.g. a release asset) with a content type, to an absolute URL or path.
    pub async fn upload(
        &self,
        url: &str,
        bytes: Vec<u8>,
        content_type: &str,
    ) -> Result<Value, GithubError> {
        Ok(self
            .send(Method::POST, url, Some((bytes, content_type)))
            .await?
            .body)
    }

    /// The base for asset uploads: uploads.github.com for github.com, `/api/uploads` on
    /// GitHub Enterprise, the API base itself for an emulator.
    pub fn upload_url(&self) -> &str {
        &self.upload_url
    }

    /// Sends one request with retries; returns status, headers and body, or an error for
    /// statuses >= 400.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<(Vec<u8>, &str)>,
    ) -> Result<Response, GithubError> {
        let idempotent = method != Method::POST;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let outcome = self.send_once(&method, path, body.as_ref()).await;
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs());
            let (answer_status, headers, text) = match &outcome {
                Ok((status, headers, text)) => (Some(*status), Some(headers), text.as_str()),
                Err(_) => (None, None, ""),
            };
            let header = |name: &str| {
                headers
                    .and_then(|h| h.get(name))
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.trim().parse::<u64>().ok())
            };
            let answer = Answer {
                status: answer_status,
                retry_after: header("retry-after"),
                remaining: header("x-ratelimit-remaining"),
                reset: header("x-ratelimit-reset"),
                body: &text[..text.len().min(2048)],
            };
            match self.retry.decide(attempt, &answer, idempotent, now) {
                Decision::RetryAfter(wait) => {
                    tracing::warn!(
                        "GitHub API {method} {path}: {} — retrying in {:.1}s (attempt {attempt}/{})",
                        answer_status.map_or_else(|| "no answer".to_owned(), |s| s.to_string()),
                        wait.as_secs_f64(),
                        self.retry.max_attempts
                    );
                    tokio::time::sleep(wait).await;
                }
                Decision::TooLong(wait) => {
                    return Err(GithubError::RateLimited {
                        method: method.to_string(),
                        path: path.into(),
                        wait_secs: wait.as_secs(),
                    });
                }
                Decision::Done => return self.finish(&method, path, outcome),
            }
        }
    }

    fn finish(
        &self,
        method: &Method,
        path: &str,
        outcome: Result<(u16, HeaderMap, String), String>,
    ) -> Result<Response, GithubError> {
        let (status, headers, text) = outcome.map_err(|message| GithubError::Transport {
            base: self.api_url.clone(),
            method: method.to_string(),
            path: path.into(),
            message,
        })?;
        if status >= 400 {
            return Err(GithubError::Status {
                method: method.to_string(),
                path: path.into(),
                status,
                message: error_message(&text),
            });
        }
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|e| GithubError::Decode {
                method: method.to_string(),
                path: path.into(),
                message: format!("{e} in {:?}", &text[..text.len().min(120)]),
            })?
        };
        Ok(Response {
            status,
            headers,
            body,
        })
    }

    async fn send_once(
        &self,
        method: &Method,
        path: &str,
        body: Option<&(Vec<u8>, &str)>,
    ) -> Result<(u16, HeaderMap, String), String> {
        let uri = if path.starts_with("http://") || path.starts_with("https://") {
            path.to_owned()
        } else {
            format!(
                "{}{}",
                self.api_url,
                if path.starts_with('/') {
                    path.to_owned()
                } else {
                    format!("/{path}")
                }
            )
        };
        let mut builder = http::Request::builder()
            .method(method.clone())
            .uri(uri)
            // GitHub documents vnd.github+json; plain JSON as a second choice keeps emulators that
            // only know the OpenAPI media type (Prism) able to answer.
            .header(
                http::header::ACCEPT,
                "application/vnd.github+json, application/json;q=0.9",
            )
            .header("X-GitHub-Api-Version", "2022-11-28")
            .header(
                http::header::USER_AGENT,
                concat!("slipway/", env!("CARGO_PKG_VERSION")),
            );
        let request = match body {
            Some((bytes, content_type)) => {
                builder = builder.header(http::header::CONTENT_TYPE, *content_type);
                builder.body(octocrab::OctoBody::from(bytes.clone()))
            }
            None => builder
                .header(http::header::CONTENT_LENGTH, "0")
                .body(octocrab::OctoBody::empty()),
        }
        .map_err(|e| e.to_string())?;
        let response = self.octo.execute(request).await.map_err(|e| describe(&e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let bytes = response
            .into_body()
            .collect()
            .await
            .map_err(|e| describe(&e))?
            .to_bytes();
        Ok((
            status,
            headers,
            String::from_utf8_lossy(&bytes).into_owned(),
        ))
    }
}

fn describe(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "nothing",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// GitHub's error message plus its validation errors, or the body's start.
fn error_message(text: &str) -> String {
    match serde_json::from_str::<Value>(text) {
        Ok(v) => {
            let mut msg = v
                .get("message")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned();
            if let Some(errors) = v.get("errors").and_then(Value::as_array) {
                let details: Vec<String> = errors
                    .iter()
                    .map(|e| match e {
                        Value::String(s) => s.clone(),
                        other => {
                            let field = other.get("field").and_then(Value::as_str).unwrap_or("");
                            let code = other.get("code").and_then(Value::as_str).unwrap_or("");
                            let message =
                                other.get("message").and_then(Value::as_str).unwrap_or("");
                            [field, code, message]
                                .iter()
                                .filter(|s| !s.is_empty())
                                .copied()
                                .collect::<Vec<_>>()
                                .join(" ")
                        }
                    })
                    .collect();
                if !details.is_empty() {
                    msg = format!("{msg} ({})", details.join("; "));
                }
            }
            if msg.is_empty() {
                text.chars().take(200).collect()
            } else {
                msg
            }
        }
        Err(_) => text.chars().take(200).collect::<String>().trim().to_owned(),
    }
}

fn next_link(headers: &HeaderMap) -> Option<String> {
    let link = headers.get("link")?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (url, rel) = part.split_once(';')?;
        rel.contains("rel=\"next\"").then(|| {
            url.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned()
        })
    })
}

fn upload_base(api_url: &str) -> String {
    if api_url == "https://api.github.com" {
        "https://uploads.github.com".to_owned()
    } else if let Some(host) = api_url.strip_suffix("/api/v3") {
        format!("{host}/api/uploads")
    } else {
        api_url.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upload_base_follows_github_dot_com_enterprise_and_emulators() {
        assert_eq!(
            upload_base("https://api.github.com"),
            "https://uploads.github.com"
        );
        assert_eq!(
            upload_base("https://ghe.corp/api/v3"),
            "https://ghe.corp/api/uploads"
        );
        assert_eq!(
            upload_base("http://127.0.0.1:4010"),
            "http://127.0.0.1:4010"
        );
    }

    #[test]
    fn error_message_includes_validation_errors() {
        let body = r#"{"message":"Validation Failed","errors":[{"resource":"Release","code":"already_exists","field":"tag_name"}]}"#;
        assert_eq!(
            error_message(body),
            "Validation Failed (tag_name already_exists)"
        );
        assert_eq!(
            error_message("<html>502 Bad Gateway</html>"),
            "<html>502 Bad Gateway</html>"
        );
    }

    #[test]
    fn next_link_is_read_from_the_link_header() {
        let mut h = HeaderMap::new();
        h.insert(
            "link",
            r#"<https://api.github.com/repos/o/r/issues?page=2>; rel="next", <https://api.github.com/repos/o/r/issues?page=5>; rel="last""#
                .parse()
                .unwrap(),
        );
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://api.github.com/repos/o/r/issues?page=2")
        );
    }
}
