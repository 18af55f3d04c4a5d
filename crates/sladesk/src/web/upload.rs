//! Forms with files (`multipart/form-data`), for the API and the pages: their text fields,
//! checked as every form's are, and their files.

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, header};

use super::error::ApiError;
use crate::catalogue::Message;
use crate::desk::NewFile;

type Result<T> = std::result::Result<T, ApiError>;

pub fn bad_form(detail: String) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        Message::new("api_bad_form").given("detail", detail),
    )
}

/// The form's text fields and its files.
pub struct Upload {
    pub fields: Vec<(String, String)>,
    pub files: Vec<NewFile>,
}

impl Upload {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

impl<S: Send + Sync> FromRequest<S> for Upload {
    type Rejection = ApiError;

    /// The API's form: only `body`, `visibility` and `file` parts.
    async fn from_request(req: Request, state: &S) -> Result<Upload> {
        read(req, state, Some(&["body", "visibility", "file"])).await
    }
}

/// A page's form (`T`, as `application/x-www-form-urlencoded` would give it) with the files
/// of its `file` inputs; a plain url-encoded form (a browser's when no file input is in it)
/// is read too, with no files.
pub struct FormWithFiles<T>(pub T, pub Vec<NewFile>);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequest<S> for FormWithFiles<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<FormWithFiles<T>> {
        let multipart = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
        if !multipart {
            let axum::Form(form) = axum::Form::<T>::from_request(req, state)
                .await
                .map_err(|e| bad_form(e.body_text()))?;
            return Ok(FormWithFiles(form, Vec::new()));
        }
        let upload = read(req, state, None).await?;
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&upload.fields)
            .finish();
        let form = serde_urlencoded::from_str(&encoded).map_err(|e| bad_form(e.to_string()))?;
        Ok(FormWithFiles(form, upload.files))
    }
}

/// Reads a multipart form: its text fields (checked for control characters, as the other
/// forms are) and its files. With `allowed`, any other part is refused.
async fn read<S: Send + Sync>(req: Request, state: &S, allowed: Option<&[&str]>) -> Result<Upload> {
    let mut form = Multipart::from_request(req, state)
        .await
        .map_err(|e| bad_form(e.body_text()))?;
    let mut upload = Upload {
        fields: Vec::new(),
        files: Vec::new(),
    };
    loop {
        let field = match form.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    Message::new("api_upload_too_large"),
                ));
            }
            Err(e) => return Err(bad_form(e.body_text())),
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = field.bytes().await.map_err(|e| {
            if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    Message::new("api_upload_too_large"),
                )
            } else {
                bad_form(e.body_text())
            }
        })?;
        if let Some(allowed) = allowed
            && !allowed.contains(&name.as_str())
        {
            return Err(bad_form(format!(
                "`{}` is not a field of this form ({})",
                name.chars().filter(|c| !c.is_control()).collect::<String>(),
                allowed.join(", ")
            )));
        }
        // A file input left empty still sends a part, without a name or bytes.
        if name == "file" && file_name.as_deref() == Some("") && bytes.is_empty() {
            continue;
        }
        if name == "file" {
            // A file part says it is one by its file name (what every browser and HTTP
            // library sends); a `file` field without one is text where a file belongs.
            let Some(file_name) = file_name else {
                return Err(bad_form("a `file` part needs a file name".into()));
            };
            upload.files.push(NewFile {
                name: file_name,
                bytes: bytes.to_vec(),
            });
        } else {
            let text = String::from_utf8(bytes.to_vec())
                .map_err(|_| bad_form(format!("field `{name}` is not UTF-8 text")))?;
            if let Some(refused) = super::input::control_character_in(&name, &text) {
                return Err(refused);
            }
            // A field given twice is ambiguous: which one was meant?
            if upload.fields.iter().any(|(n, _)| *n == name) {
                return Err(bad_form(format!(
                    "the field `{name}` is given more than once"
                )));
            }
            upload.fields.push((name, text));
        }
    }
    Ok(upload)
}
