//! Errors as RFC 9457 problem details (`application/problem+json`): a
//! status, a short title and a `detail` that names the field at fault. A
//! detail never carries record contents, names or internals; failures of
//! the system are logged by id and answered with a generic detail.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use confidant_store::StoreError;
use serde::Serialize;

/// One problem response.
#[derive(Clone, Debug, Serialize)]
pub struct Problem {
    /// The problem type URI (`about:blank`: the status says it all).
    #[serde(rename = "type")]
    pub kind: &'static str,
    /// The status's reason phrase.
    pub title: &'static str,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong, naming the field when the input is at fault.
    pub detail: String,
    /// Seconds to wait, for 429.
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

impl Problem {
    /// A problem with `status` and `detail`.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Problem {
        Problem {
            kind: "about:blank",
            title: status.canonical_reason().unwrap_or("Error"),
            status: status.as_u16(),
            detail: detail.into(),
            retry_after: None,
        }
    }

    /// 422: the input is wrong (`field: expected`).
    pub fn bad_input(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::UNPROCESSABLE_ENTITY, detail)
    }

    /// 401: no session or valid token.
    pub fn unauthorized() -> Problem {
        Problem::new(StatusCode::UNAUTHORIZED, "sign in, or send a valid API token as `Authorization: Bearer …`")
    }

    /// 403: signed in, but this is not theirs to do.
    pub fn forbidden(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::FORBIDDEN, detail)
    }

    /// 404: nothing there (or nothing the caller may know is there).
    pub fn not_found(detail: impl Into<String>) -> Problem {
        Problem::new(StatusCode::NOT_FOUND, detail)
    }

    /// 429 with `Retry-After` in seconds.
    pub fn too_many(detail: impl Into<String>, retry_after: u64) -> Problem {
        let mut p = Problem::new(StatusCode::TOO_MANY_REQUESTS, detail);
        p.retry_after = Some(retry_after);
        p
    }

    /// A failure of the system: logged under an id, answered generically.
    pub fn internal(what: &dyn std::fmt::Display) -> Problem {
        let mut id = [0u8; 6];
        rand::fill(&mut id);
        let id = hex::encode(id);
        // The message may name ids but never contents (store errors never carry them).
        tracing::error!(error_id = %id, error = %what, "internal error");
        Problem::new(StatusCode::INTERNAL_SERVER_ERROR, format!("internal error (id {id}); nothing was changed"))
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if let Some(secs) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

impl From<StoreError> for Problem {
    fn from(e: StoreError) -> Problem {
        match &e {
            StoreError::NotFound { .. } => Problem::not_found(e.to_string()),
            StoreError::Duplicate { .. } => Problem::new(StatusCode::CONFLICT, e.to_string()),
            StoreError::KeyRotated => Problem::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()),
            _ if e.is_bad_input() => Problem::bad_input(e.to_string()),
            _ => Problem::internal(&e),
        }
    }
}

impl From<confidant_disclosure::DiscloseError> for Problem {
    fn from(e: confidant_disclosure::DiscloseError) -> Problem {
        match e {
            confidant_disclosure::DiscloseError::Store(e) => e.into(),
            confidant_disclosure::DiscloseError::NotReleasable(why) => Problem::forbidden(why),
            confidant_disclosure::DiscloseError::Input(why) => Problem::bad_input(why),
            other => Problem::internal(&other),
        }
    }
}

impl From<confidant_app::AppError> for Problem {
    fn from(e: confidant_app::AppError) -> Problem {
        use confidant_app::AppError;
        match e {
            AppError::Refused(_) | AppError::NotFound(_) => Problem::not_found(e.to_string()),
            AppError::Forbidden(why) => Problem::forbidden(why),
            AppError::Conflict(why) => Problem::new(StatusCode::CONFLICT, why),
            AppError::Input { .. } => Problem::bad_input(e.to_string()),
            AppError::Store(e) => e.into(),
            AppError::Disclose(e) => e.into(),
            AppError::SignIn => Problem::new(StatusCode::UNAUTHORIZED, e.to_string()),
            AppError::Engine(_) | AppError::Audit(_) | AppError::Credentials { .. } => Problem::internal(&e),
        }
    }
}

/// A handler's result: a value or a problem.
pub type ApiResult<T> = Result<T, Problem>;
