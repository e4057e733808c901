//! Talking to Microsoft: client-credential tokens, GETs and PATCHes with bounded retries (429 and 503 honour
//! `Retry-After`), a fresh token when one expires mid-run, and `nextLink` paging that refuses to loop.

use reqwest::StatusCode;
use std::collections::HashSet;
use std::time::Duration;

use super::error::ImportError;
use readers::graph::{AccessToken, parse_error, parse_token};

/// How hard to try before giving up on a source.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Attempts per request, the first included.
    pub max_attempts: u32,
    /// First back-off when the source gives no `Retry-After`; doubles each time.
    pub base_delay: Duration,
    /// The longest wait between attempts, whatever `Retry-After` says.
    pub max_delay: Duration,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Pages per listing at most, so a runaway `nextLink` chain ends.
    pub max_pages: usize,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(60),
            timeout: Duration::from_secs(30),
            max_pages: 500,
        }
    }
}

/// Where to get a token and for what.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// e.g. `https://login.microsoftonline.com`
    pub login_base_url: String,
    pub azure_tenant_id: String,
    pub client_id: String,
    pub client_secret: String,
    /// e.g. `https://graph.microsoft.com/.default`
    pub scope: String,
}

/// An authenticated session against one resource (Graph or ARM).
pub struct Session {
    http: reqwest::Client,
    policy: RetryPolicy,
    credentials: Credentials,
    token: Option<AccessToken>,
    /// Pages fetched so far in this session.
    pub pages: u32,
}

impl Session {
    /// A session that fetches its first token on the first request.
    pub fn new(policy: RetryPolicy, credentials: Credentials) -> Result<Self, ImportError> {
        let http = reqwest::Client::builder()
            .timeout(policy.timeout)
            .user_agent(concat!("scoregrc/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| ImportError::Transport { url: credentials.login_base_url.clone(), message: e.to_string() })?;
        Ok(Self { http, policy, credentials, token: None, pages: 0 })
    }

    async fn fetch_token(&mut self) -> Result<String, ImportError> {
        let c = &self.credentials;
        let url = format!("{}/{}/oauth2/v2.0/token", c.login_base_url.trim_end_matches('/'), c.azure_tenant_id);
        let form = [
            ("client_id", c.client_id.as_str()),
            ("client_secret", c.client_secret.as_str()),
            ("scope", c.scope.as_str()),
            ("grant_type", "client_credentials"),
        ];
        let response = self.send_with_retries(&url, |http| http.post(&url).form(&form)).await?;
        let status = response.status();
        let body = response.bytes().await.map_err(|e| transport(&url, &e))?;
        if !status.is_success() {
            let detail = parse_error(&body).map(|e| e.message.or(e.code).unwrap_or_default()).unwrap_or_default();
            return Err(ImportError::Auth(format!("{status}: {detail}")));
        }
        let token = parse_token(&body)?;
        let access = token.access_token.clone();
        self.token = Some(token);
        Ok(access)
    }

    async fn send_with_retries(
        &self,
        url: &str,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, ImportError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = build(&self.http).send().await;
            let retry_after = match &result {
                Ok(r)
                    if r.status() == StatusCode::TOO_MANY_REQUESTS || r.status() == StatusCode::SERVICE_UNAVAILABLE =>
                {
                    Some(retry_after(r))
                }
                Ok(_) => None,
                Err(e) if e.is_timeout() || e.is_connect() => Some(None),
                Err(e) => return Err(transport(url, e)),
            };
            match (retry_after, result) {
                (None, Ok(response)) => return Ok(response),
                (Some(hint), result) if attempt < self.policy.max_attempts => {
                    let backoff = self.policy.base_delay.saturating_mul(2u32.saturating_pow(attempt - 1));
                    let wait = hint.unwrap_or(backoff).min(self.policy.max_delay);
                    tracing::warn!(url, attempt, wait_ms = wait.as_millis() as u64, status = ?result.as_ref().ok().map(|r| r.status().as_u16()), "source busy; retrying");
                    tokio::time::sleep(wait).await;
                }
                (_, Ok(response)) => {
                    return Err(ImportError::Http {
                        url: url.to_owned(),
                        status: response.status().as_u16(),
                        message: format!("still refused after {attempt} attempts"),
                    });
                }
                (_, Err(e)) => return Err(transport(url, &e)),
            }
        }
    }

    /// Sends a request built by `build` with the session's token, fetching one first and once more if it has
    /// expired mid-run; throttling and unavailability are retried by the policy.
    async fn send_authorised(
        &mut self,
        url: &str,
        build: impl Fn(&reqwest::Client, &str) -> reqwest::RequestBuilder,
    ) -> Result<(StatusCode, Vec<u8>), ImportError> {
        let mut refreshed = false;
        loop {
            let token = match &self.token {
                Some(t) => t.access_token.clone(),
                None => self.fetch_token().await?,
            };
            let response = self.send_with_retries(url, |http| build(http, &token)).await?;
            let status = response.status();
            if status == StatusCode::UNAUTHORIZED && !refreshed {
                // The token expired mid-run: get a new one and try once more.
                self.token = None;
                refreshed = true;
                continue;
            }
            let body = response.bytes().await.map_err(|e| transport(url, &e))?;
            if !status.is_success() {
                let message = parse_error(&body)
                    .and_then(|e| e.message.or(e.code))
                    .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
                return Err(ImportError::Http { url: url.to_owned(), status: status.as_u16(), message });
            }
            return Ok((status, body.to_vec()));
        }
    }

    /// GETs `url` as JSON bytes.
    pub async fn get(&mut self, url: &str) -> Result<Vec<u8>, ImportError> {
        let (status, body) = self.send_authorised(url, |http, token| http.get(url).bearer_auth(token)).await?;
        if status == StatusCode::PARTIAL_CONTENT {
            return Err(ImportError::Incomplete(url.to_owned()));
        }
        self.pages += 1;
        Ok(body)
    }

    /// PATCHes `url` with a JSON body; any 2xx answer (Graph's 204, or 200 with a representation) is success.
    pub async fn patch(&mut self, url: &str, body: &serde_json::Value) -> Result<(), ImportError> {
        self.send_authorised(url, |http, token| http.patch(url).bearer_auth(token).json(body)).await.map(|_| ())
    }

    /// Reads every page of a listing, from `first` along each page's next link, parsing each with `parse`.
    pub async fn all_pages<T>(
        &mut self,
        first: String,
        mut parse: impl FnMut(&[u8]) -> Result<(Vec<T>, Option<String>), ImportError>,
        mut on_page: impl FnMut(u32),
    ) -> Result<Vec<T>, ImportError> {
        let mut items = Vec::new();
        let mut visited = HashSet::new();
        let mut next = Some(first);
        while let Some(url) = next.take() {
            if !visited.insert(url.clone()) {
                return Err(ImportError::PagingLoop(format!("{url} was linked twice")));
            }
            if visited.len() > self.policy.max_pages {
                return Err(ImportError::PagingLoop(format!("more than {} pages", self.policy.max_pages)));
            }
            let body = self.get(&url).await?;
            let (page, link) = parse(&body)?;
            items.extend(page);
            on_page(self.pages);
            next = link;
        }
        Ok(items)
    }
}

fn transport(url: &str, err: &reqwest::Error) -> ImportError {
    ImportError::Transport { url: url.to_owned(), message: err.to_string() }
}

/// `Retry-After` in seconds, when given.
fn retry_after(response: &reqwest::Response) -> Option<Duration> {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}
