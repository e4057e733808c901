//! A small SMTP server for the tests: EHLO, STARTTLS (with a CA and a certificate made per sink by rcgen), AUTH
//! PLAIN and LOGIN, MAIL, RCPT, DATA, QUIT. It keeps every message with its envelope, whether the session was
//! encrypted and who logged in.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::{self, pki_types};

/// One message as received.
#[derive(Debug, Clone, Default)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
    /// The session had switched to TLS before MAIL FROM.
    pub encrypted: bool,
    /// `(user, password)` of the AUTH exchange, if any.
    pub login: Option<(String, String)>,
}

impl Mail {
    /// The decoded bytes of the attachment named `file_name` (base64 body of its MIME part).
    pub fn attachment(&self, file_name: &str) -> Option<Vec<u8>> {
        let marker = format!("filename=\"{file_name}\"");
        let at = self.data.find(&marker)?;
        let part = &self.data[at..];
        let body_start = part.find("\r\n\r\n")? + 4;
        let body = &part[body_start..];
        let end = body.find("\r\n--").unwrap_or(body.len());
        let clean: String = body[..end].chars().filter(|c| !c.is_ascii_whitespace()).collect();
        STANDARD.decode(clean).ok()
    }
}

/// The running sink.
pub struct SmtpSink {
    pub port: u16,
    /// The PEM of the CA that signed the sink's certificate (for the channel's `ca_certificate`), when it offers
    /// STARTTLS.
    pub ca_pem: Option<String>,
    mails: Arc<Mutex<Vec<Mail>>>,
}

trait Io: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Io for T {}

fn tls_acceptor() -> (TlsAcceptor, String) {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.distinguished_name.push(DnType::CommonName, "scoregrc test CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let key = pki_types::PrivateKeyDer::Pkcs8(pki_types::PrivatePkcs8KeyDer::from(leaf_key.serialize_der()));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![leaf.der().clone()], key)
        .unwrap();
    (TlsAcceptor::from(Arc::new(config)), ca_cert.pem())
}

impl SmtpSink {
    /// A sink on a random port; with `starttls` it offers STARTTLS with a fresh certificate.
    pub async fn start(starttls: bool) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (acceptor, ca_pem) = if starttls {
            let (acceptor, pem) = tls_acceptor();
            (Some(acceptor), Some(pem))
        } else {
            (None, None)
        };
        let mails = Arc::new(Mutex::new(Vec::new()));
        let shared = mails.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (mails, acceptor) = (shared.clone(), acceptor.clone());
                tokio::spawn(async move {
                    let _ = session(Box::new(stream), acceptor, mails).await;
                });
            }
        });
        Self { port, ca_pem, mails }
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }
}

async fn reply(reader: &mut BufReader<Box<dyn Io>>, text: &str) -> std::io::Result<()> {
    reader.get_mut().write_all(format!("{text}\r\n").as_bytes()).await?;
    reader.get_mut().flush().await
}

async fn line(reader: &mut BufReader<Box<dyn Io>>) -> std::io::Result<Option<String>> {
    let mut text = String::new();
    if reader.read_line(&mut text).await? == 0 {
        return Ok(None);
    }
    Ok(Some(text.trim_end_matches(['\r', '\n']).to_owned()))
}

fn decode(text: &str) -> String {
    String::from_utf8_lossy(&STANDARD.decode(text.trim()).unwrap_or_default()).into_owned()
}

async fn session(
    stream: Box<dyn Io>,
    acceptor: Option<TlsAcceptor>,
    mails: Arc<Mutex<Vec<Mail>>>,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(stream);
    let mut encrypted = false;
    let mut login = None;
    let mut mail = Mail::default();
    reply(&mut reader, "220 sink.test ESMTP scoregrc test sink").await?;
    while let Some(command) = line(&mut reader).await? {
        let upper = command.to_ascii_uppercase();
        if upper.starts_with("EHLO") {
            let tls = if acceptor.is_some() && !encrypted { "250-STARTTLS\r\n" } else { "" };
            reply(&mut reader, &format!("250-sink.test\r\n{tls}250-AUTH PLAIN LOGIN\r\n250 8BITMIME")).await?;
        } else if upper.starts_with("HELO") || upper.starts_with("NOOP") || upper.starts_with("RSET") {
            reply(&mut reader, "250 OK").await?;
        } else if upper == "STARTTLS" {
            let Some(acceptor) = &acceptor else {
                reply(&mut reader, "502 no TLS here").await?;
                continue;
            };
            reply(&mut reader, "220 2.0.0 ready to start TLS").await?;
            let tls = acceptor.accept(reader.into_inner()).await?;
            reader = BufReader::new(Box::new(tls));
            encrypted = true;
        } else if let Some(rest) = upper.strip_prefix("AUTH PLAIN") {
            let initial = command[command.len() - rest.len()..].trim().to_owned();
            let encoded = if initial.is_empty() {
                reply(&mut reader, "334 ").await?;
                line(&mut reader).await?.unwrap_or_default()
            } else {
                initial
            };
            let parts: Vec<String> = decode(&encoded).split('\0').map(str::to_owned).collect();
            login = Some((parts.get(1).cloned().unwrap_or_default(), parts.get(2).cloned().unwrap_or_default()));
            reply(&mut reader, "235 2.7.0 Authentication successful").await?;
        } else if upper.starts_with("AUTH LOGIN") {
            reply(&mut reader, "334 VXNlcm5hbWU6").await?;
            let user = decode(&line(&mut reader).await?.unwrap_or_default());
            reply(&mut reader, "334 UGFzc3dvcmQ6").await?;
            let password = decode(&line(&mut reader).await?.unwrap_or_default());
            login = Some((user, password));
            reply(&mut reader, "235 2.7.0 Authentication successful").await?;
        } else if upper.starts_with("MAIL FROM:") {
            mail = Mail { from: command[10..].trim().to_owned(), encrypted, login: login.clone(), ..Mail::default() };
            reply(&mut reader, "250 2.1.0 OK").await?;
        } else if upper.starts_with("RCPT TO:") {
            mail.to.push(command[8..].trim().to_owned());
            reply(&mut reader, "250 2.1.5 OK").await?;
        } else if upper == "DATA" {
            reply(&mut reader, "354 end with <CRLF>.<CRLF>").await?;
            let mut data = Vec::new();
            loop {
                let mut chunk = Vec::new();
                if reader.read_until(b'\n', &mut chunk).await? == 0 {
                    return Ok(());
                }
                if chunk == b".\r\n" {
                    break;
                }
                data.extend_from_slice(&chunk);
            }
            mail.data = String::from_utf8_lossy(&data).into_owned();
            mails.lock().unwrap().push(std::mem::take(&mut mail));
            reply(&mut reader, "250 2.0.0 Ok: queued as 1").await?;
        } else if upper == "QUIT" {
            reply(&mut reader, "221 2.0.0 bye").await?;
            let mut rest = Vec::new();
            let _ = reader.read_to_end(&mut rest).await;
            return Ok(());
        } else {
            reply(&mut reader, "502 5.5.2 command not recognised").await?;
        }
    }
    Ok(())
}
