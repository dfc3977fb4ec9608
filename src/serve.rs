//! `budgetql serve`: the warehouse over Arrow Flight SQL, for programs that are not a
//! shell (BI tools, notebooks, scripts with an ADBC or JDBC Flight SQL driver).
//!
//! - A statement arrives as `CommandStatementQuery` (GetFlightInfo); it runs at once, as
//!   the CLI runs it (the dialect, AUDIT, CHART's data, the warehouse), on its own copy of
//!   the session: nothing one client does is seen by another. Its result waits under a
//!   ticket until the client fetches it (DoGet), at most [`KEEP`] and [`PENDING`] results.
//! - Remote clients are always in safe mode (LOAD and COPY refused) and read-only: CREATE
//!   VIEW, DROP VIEW and SET, which would change a shared session, are refused.
//! - Results leave as Arrow record batches: each Polars array is handed to arrow-rs through
//!   the Arrow C data interface (no copy of numbers, money or dates; text is made
//!   contiguous first, see [`record_batches`]), then written as Flight data.
//! - With a token, every call must carry `authorization: Bearer <token>` (or a Flight
//!   handshake with Basic credentials whose password is the token).
//! - Errors reach the client as `INVALID_ARGUMENT` with the CLI's located message.

use crate::query::{self, Output};
use crate::Session;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_flight::encode::FlightDataEncoderBuilder;
use arrow_flight::error::FlightError;
use arrow_flight::flight_service_server::{FlightService, FlightServiceServer};
use arrow_flight::sql::metadata::{SqlInfoData, SqlInfoDataBuilder};
use arrow_flight::sql::server::FlightSqlService;
use arrow_flight::sql::{
    CommandGetCatalogs, CommandGetDbSchemas, CommandGetSqlInfo, CommandGetTableTypes,
    CommandGetTables, CommandStatementQuery, ProstMessageExt, SqlInfo, TicketStatementQuery,
};
use arrow_flight::{
    FlightDescriptor, FlightEndpoint, FlightInfo, HandshakeRequest, HandshakeResponse, Ticket,
};
use arrow_schema::{Field, Schema, SchemaRef};
use futures::{Stream, StreamExt};
use polars::prelude::{CompatLevel, DataFrame};
use prost::Message;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tonic::{Request, Response, Status, Streaming};

/// The catalog and schema every table is in (for clients that list objects).
const CATALOG: &str = "budgetql";
const SCHEMA: &str = "main";

/// How long a result waits for its client to fetch it.
pub const KEEP: Duration = Duration::from_secs(600);
/// How many results may wait at once (the oldest goes first).
pub const PENDING: usize = 256;

/// How the server is set up.
pub struct Options {
    /// Where to listen (`127.0.0.1:8815`; port 0 picks a free one).
    pub listen: SocketAddr,
    /// The token clients must present, if any.
    pub token: Option<String>,
    /// How many statements run at once (the others wait their turn).
    pub concurrency: usize,
    /// How many bytes the results waiting for their clients may hold together: the
    /// oldest go first to make room, and a result larger than all of it is refused.
    pub result_memory: usize,
}

/// The default of [`Options::result_memory`]: 1 GiB.
pub const RESULT_MEMORY: usize = 1 << 30;

/// A result waiting for its DoGet.
struct Pending {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
    at: Instant,
    /// the memory its batches hold
    bytes: usize,
}

#[derive(Clone)]
struct Service {
    session: Arc<Session>,
    results: Arc<Mutex<HashMap<u64, Pending>>>,
    next: Arc<std::sync::atomic::AtomicU64>,
    /// a per-process salt, so a ticket cannot be guessed from another
    salt: u64,
    running: Arc<tokio::sync::Semaphore>,
    /// [`Options::result_memory`]
    budget: usize,
}

type BoxStream<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send + 'static>>;

/// The server's description of itself (GetSqlInfo, asked by drivers on connect).
fn sql_info() -> Result<SqlInfoData, Status> {
    let mut b = SqlInfoDataBuilder::new();
    b.append(SqlInfo::FlightSqlServerName, "budgetql");
    b.append(SqlInfo::FlightSqlServerVersion, env!("CARGO_PKG_VERSION"));
    b.append(SqlInfo::FlightSqlServerArrowVersion, "1.3");
    b.append(SqlInfo::FlightSqlServerReadOnly, true);
    b.append(SqlInfo::FlightSqlServerSql, true);
    b.append(SqlInfo::FlightSqlServerSubstrait, false);
    b.append(SqlInfo::FlightSqlServerTransaction, 0i32);
    b.append(SqlInfo::FlightSqlServerCancel, false);
    // what SQL clients ask before they quote a name (SQLAlchemy's flightsql dialect)
    b.append(SqlInfo::SqlIdentifierQuoteChar, "\"");
    b.build().map_err(|e| Status::internal(e.to_string()))
}

/// The statements a remote client may not send, with why.
fn refused(text: &str) -> Option<String> {
    let first = text
        .split_whitespace()
        .next()
        .unwrap_or("")
        .to_ascii_uppercase();
    let what = match crate::query::command_of(text) {
        Some(c) => crate::query::engine::statements::refused_by_server(c)?,
        None if first == "CREATE" || first == "DROP" || first == "INSERT" => {
            "views and session tables would change the session every client shares".to_string()
        }
        None => return None,
    };
    Some(format!(
        "the server is read-only and in safe mode: {what}. Each statement runs on its own; name a subquery with WITH instead of a view, and write parameters as literals"
    ))
}

/// A Polars frame as Arrow record batches (arrow-rs), through the C data interface:
/// the arrays' buffers are shared, not copied, but for text, which leaves as `string`.
pub fn record_batches(df: &mut DataFrame) -> Result<(SchemaRef, Vec<RecordBatch>), String> {
    if df.should_rechunk() {
        df.align_chunks();
    }
    // Text goes out as `large_string` (contiguous values), not Polars' `string_view`: a
    // view array keeps every buffer its rows point into, so the 100 rows of a top-10 query
    // over a million projects carried 22 MB (past gRPC's 16 MiB default), and some
    // clients (older Arrow, JDBC) cannot read views. Numbers, money and dates are handed
    // over as they are. Then `large_string` is copied into `string` (32-bit offsets):
    // SQL clients (SQLAlchemy's flightsql dialect, so pandas and Superset) take
    // `large_string` for BLOB.
    let compat = CompatLevel::oldest();
    let mut fields = Vec::with_capacity(df.width());
    for c in df.columns() {
        let f = c.field().to_arrow(compat);
        let mut exported = polars_arrow::ffi::export_field_to_c(&f);
        // SAFETY: polars-arrow's ArrowSchema and arrow-rs' FFI_ArrowSchema are both the
        // C data interface's `struct ArrowSchema` (repr(C), same fields); from_raw moves
        // it out and leaves a released struct behind, which polars' Drop then ignores.
        let ffi = unsafe {
            arrow_schema::ffi::FFI_ArrowSchema::from_raw(
                &mut exported as *mut _ as *mut arrow_schema::ffi::FFI_ArrowSchema,
            )
        };
        let field = Field::try_from(&ffi).map_err(|e| {
            format!(
                "column `{}` has a type ({}) Arrow clients cannot receive: {e}; CAST it to another type",
                c.name(),
                crate::query::engine::type_name(c.dtype())
            )
        })?;
        fields.push((ffi, field));
    }
    let large = |f: &Field| f.data_type() == &arrow_schema::DataType::LargeUtf8;
    let schema: SchemaRef = Arc::new(Schema::new(
        fields
            .iter()
            .map(|(_, f)| {
                if large(f) {
                    f.clone().with_data_type(arrow_schema::DataType::Utf8)
                } else {
                    f.clone()
                }
            })
            .collect::<Vec<Field>>(),
    ));
    let mut batches = vec![];
    if df.height() == 0 {
        return Ok((schema, batches));
    }
    for chunk in df.iter_chunks(compat, true) {
        let mut cols: Vec<ArrayRef> = Vec::with_capacity(fields.len());
        for (arr, (ffi_schema, _)) in chunk.arrays().iter().zip(&fields) {
            let mut exported = polars_arrow::ffi::export_array_to_c(arr.clone());
            // SAFETY: as for the schema: the same C struct on both sides, moved once.
            let data = unsafe {
                let a = arrow_array::ffi::FFI_ArrowArray::from_raw(
                    &mut exported as *mut _ as *mut arrow_array::ffi::FFI_ArrowArray,
                );
                arrow_array::ffi::from_ffi(a, ffi_schema)
            }
            .map_err(|e| format!("could not hand a result column to Arrow: {e}"))?;
            let a = arrow_array::make_array(data);
            let a: ArrayRef = match a.as_any().downcast_ref::<arrow_array::LargeStringArray>() {
                Some(text) => {
                    if text.value_data().len() > i32::MAX as usize {
                        return Err("a text column of this result holds more than 2 GiB in one batch; select fewer rows or columns (LIMIT)".into());
                    }
                    Arc::new(text.iter().collect::<arrow_array::StringArray>())
                }
                None => a,
            };
            cols.push(a);
        }
        let b = RecordBatch::try_new(schema.clone(), cols).map_err(|e| e.to_string())?;
        batches.push(b);
    }
    Ok((schema, batches))
}

impl Service {
    fn new(mut session: Session, concurrency: usize, budget: usize) -> Service {
        // remote clients never read or write the server's files, whoever started it
        session.engine.set_safe();
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        Service {
            session: Arc::new(session),
            results: Arc::new(Mutex::new(HashMap::new())),
            next: Arc::new(std::sync::atomic::AtomicU64::new(1)),
            salt: h.finish(),
            running: Arc::new(tokio::sync::Semaphore::new(concurrency.max(1))),
            budget,
        }
    }

    /// Run one statement as the CLI would, on a copy of the session.
    fn run(&self, sql: &str) -> Result<DataFrame, Status> {
        let stmts = query::split(sql);
        let st = match stmts.as_slice() {
            [] => return Err(Status::invalid_argument("the statement is empty")),
            [one] => one.clone(),
            [_, second, ..] => {
                return Err(Status::invalid_argument(format!(
                    "{}:{}: send one statement at a time (this request holds {}, separated by `;`)",
                    second.line,
                    second.column,
                    stmts.len()
                )))
            }
        };
        if let Some(why) = refused(&st.text) {
            return Err(Status::invalid_argument(
                query::located("", &st, 1, 1, &why).to_string(),
            ));
        }
        match self.session.engine.clone().execute("", &st) {
            Ok(Output::Frame(df)) | Ok(Output::Chart(df, _)) => Ok(df),
            Ok(Output::Message(m)) => {
                DataFrame::new(1, vec![polars::prelude::Column::new("message".into(), [m])])
                    .map_err(|e| Status::internal(e.to_string()))
            }
            Err(e) => Err(Status::invalid_argument(e.to_string())),
        }
    }

    /// Keep a result for its client's DoGet; its handle. Results older than [`KEEP`] go,
    /// then the oldest while more than [`PENDING`] wait or their memory and this one's
    /// would pass the budget; a result larger than the whole budget is refused.
    fn keep(&self, schema: SchemaRef, batches: Vec<RecordBatch>) -> Result<u64, Status> {
        let bytes: usize = batches.iter().map(|b| b.get_array_memory_size()).sum();
        if bytes > self.budget {
            return Err(Status::resource_exhausted(format!(
                "this result takes {} MB, more than the server keeps for results waiting to be fetched ({} MB, `budgetql serve --result-memory`); add a LIMIT, select fewer columns or aggregate",
                bytes.div_ceil(1 << 20),
                self.budget >> 20
            )));
        }
        let n = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let handle = n ^ self.salt.rotate_left(17);
        let mut m = self.results.lock().unwrap_or_else(|p| p.into_inner());
        m.retain(|_, p| p.at.elapsed() < KEEP);
        let held = |m: &HashMap<u64, Pending>| m.values().map(|p| p.bytes).sum::<usize>();
        while m.len() >= PENDING || held(&m) + bytes > self.budget {
            let Some(oldest) = m.iter().min_by_key(|(_, p)| p.at).map(|(k, _)| *k) else {
                break;
            };
            m.remove(&oldest);
        }
        m.insert(
            handle,
            Pending {
                schema,
                batches,
                at: Instant::now(),
                bytes,
            },
        );
        Ok(handle)
    }
}

fn flight_stream(
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
) -> BoxStream<arrow_flight::FlightData> {
    let input = futures::stream::iter(batches.into_iter().map(Ok::<_, FlightError>));
    let s = FlightDataEncoderBuilder::new()
        .with_schema(schema)
        .build(input)
        .map(|r| r.map_err(Status::from));
    Box::pin(s)
}

/// The FlightInfo of a catalog command: its ticket is the command itself.
fn command_info<M: ProstMessageExt>(
    query: &M,
    schema: &Schema,
    request: Request<FlightDescriptor>,
) -> Result<Response<FlightInfo>, Status> {
    let info = info_for(
        schema,
        query.as_any().encode_to_vec(),
        request.into_inner(),
        -1,
    )?;
    Ok(Response::new(info))
}

/// One record batch (a catalog answer) as a DoGet stream.
fn one_batch(
    schema: SchemaRef,
    batch: Result<RecordBatch, impl std::fmt::Display>,
) -> Result<Response<BoxStream<arrow_flight::FlightData>>, Status> {
    let batch = batch.map_err(|e| Status::internal(e.to_string()))?;
    Ok(Response::new(flight_stream(schema, vec![batch])))
}

fn info_for(
    schema: &Schema,
    ticket: Vec<u8>,
    descriptor: FlightDescriptor,
    rows: i64,
) -> Result<FlightInfo, Status> {
    Ok(FlightInfo::new()
        .try_with_schema(schema)
        .map_err(|e| Status::internal(e.to_string()))?
        .with_endpoint(FlightEndpoint::new().with_ticket(Ticket::new(ticket)))
        .with_descriptor(descriptor)
        .with_total_records(rows)
        .with_ordered(true))
}

#[tonic::async_trait]
impl FlightSqlService for Service {
    type FlightService = Service;

    async fn do_handshake(
        &self,
        request: Request<Streaming<HandshakeRequest>>,
    ) -> Result<Response<BoxStream<HandshakeResponse>>, Status> {
        // the credentials were checked by the interceptor; the token they present is
        // handed back as the bearer token for the calls that follow (a driver given a
        // username and password reads it from the response's `authorization` header)
        let bearer = request
            .metadata()
            .get("authorization")
            .and_then(|h| h.to_str().ok())
            .and_then(presented_token);
        let out = futures::stream::iter(vec![Ok(HandshakeResponse {
            protocol_version: 0,
            payload: Default::default(),
        })]);
        let mut response = Response::new(Box::pin(out) as BoxStream<HandshakeResponse>);
        if let Some(t) = bearer {
            if let Ok(v) = format!("Bearer {t}").parse() {
                response.metadata_mut().insert("authorization", v);
            }
        }
        Ok(response)
    }

    async fn get_flight_info_statement(
        &self,
        query: CommandStatementQuery,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        let _permit = self
            .running
            .acquire()
            .await
            .map_err(|_| Status::unavailable("the server is stopping"))?;
        let this = self.clone();
        let sql = query.query.clone();
        let (schema, batches) = tokio::task::spawn_blocking(move || {
            let mut df = this.run(&sql)?;
            record_batches(&mut df).map_err(Status::invalid_argument)
        })
        .await
        .map_err(|e| Status::internal(format!("the statement's worker stopped: {e}")))??;
        let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
        let handle = self.keep(schema.clone(), batches)?;
        let ticket = TicketStatementQuery {
            statement_handle: handle.to_le_bytes().to_vec().into(),
        }
        .as_any()
        .encode_to_vec();
        let info = info_for(&schema, ticket, request.into_inner(), rows as i64)?;
        Ok(Response::new(info))
    }

    async fn do_get_statement(
        &self,
        ticket: TicketStatementQuery,
        _request: Request<Ticket>,
    ) -> Result<Response<<Self as FlightService>::DoGetStream>, Status> {
        let handle = <[u8; 8]>::try_from(ticket.statement_handle.as_ref())
            .map(u64::from_le_bytes)
            .map_err(|_| Status::invalid_argument("this ticket was not made by this server"))?;
        let p = self
            .results
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&handle)
            .ok_or_else(|| {
                Status::not_found(format!(
                    "this result is gone: it was fetched already, or not fetched within {} minutes, or more than {PENDING} results were waiting; run the statement again",
                    KEEP.as_secs() / 60
                ))
            })?;
        Ok(Response::new(flight_stream(p.schema, p.batches)))
    }

    async fn get_flight_info_sql_info(
        &self,
        query: CommandGetSqlInfo,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        let data = sql_info()?;
        command_info(&query, &query.clone().into_builder(&data).schema(), request)
    }

    async fn do_get_sql_info(
        &self,
        query: CommandGetSqlInfo,
        _request: Request<Ticket>,
    ) -> Result<Response<<Self as FlightService>::DoGetStream>, Status> {
        let data = sql_info()?;
        let b = query.into_builder(&data);
        one_batch(b.schema(), b.build())
    }

    async fn get_flight_info_tables(
        &self,
        query: CommandGetTables,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        command_info(&query, &query.clone().into_builder().schema(), request)
    }

    async fn do_get_tables(
        &self,
        query: CommandGetTables,
        _request: Request<Ticket>,
    ) -> Result<Response<<Self as FlightService>::DoGetStream>, Status> {
        let include_schema = query.include_schema;
        let mut b = query.into_builder();
        for (name, kind) in self.session.engine.tables() {
            let kind = if kind == "view" { "VIEW" } else { "TABLE" };
            let cols = match self.session.engine.schema_of(&name) {
                // the schema a result of this table would have (an empty frame's)
                Some(s) if include_schema => record_batches(&mut DataFrame::empty_with_schema(&s))
                    .map(|(s, _)| (*s).clone())
                    .unwrap_or_else(|_| Schema::empty()),
                _ => Schema::empty(),
            };
            b.append(CATALOG, SCHEMA, name, kind, &cols)
                .map_err(|e| Status::internal(e.to_string()))?;
        }
        one_batch(b.schema(), b.build())
    }

    async fn get_flight_info_catalogs(
        &self,
        query: CommandGetCatalogs,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        command_info(&query, &query.clone().into_builder().schema(), request)
    }

    async fn do_get_catalogs(
        &self,
        query: CommandGetCatalogs,
        _request: Request<Ticket>,
    ) -> Result<Response<<Self as FlightService>::DoGetStream>, Status> {
        let mut b = query.into_builder();
        b.append(CATALOG);
        one_batch(b.schema(), b.build())
    }

    async fn get_flight_info_schemas(
        &self,
        query: CommandGetDbSchemas,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        command_info(&query, &query.clone().into_builder().schema(), request)
    }

    async fn do_get_schemas(
        &self,
        query: CommandGetDbSchemas,
        _request: Request<Ticket>,
    ) -> Result<Response<<Self as FlightService>::DoGetStream>, Status> {
        let mut b = query.into_builder();
        b.append(CATALOG, SCHEMA);
        one_batch(b.schema(), b.build())
    }

    async fn get_flight_info_table_types(
        &self,
        query: CommandGetTableTypes,
        request: Request<FlightDescriptor>,
    ) -> Result<Response<FlightInfo>, Status> {
        command_info(&query, &table_types()?.schema(), request)
    }

    async fn do_get_table_types(
        &self,
        _query: CommandGetTableTypes,
        _request: Request<Ticket>,
    ) -> Result<Response<<Self as FlightService>::DoGetStream>, Status> {
        let b = table_types()?;
        Ok(Response::new(flight_stream(b.schema(), vec![b])))
    }

    async fn register_sql_info(&self, _id: i32, _result: &SqlInfo) {}
}

fn table_types() -> Result<RecordBatch, Status> {
    let schema = Arc::new(Schema::new(vec![Field::new(
        "table_type",
        arrow_schema::DataType::Utf8,
        false,
    )]));
    let col: ArrayRef = Arc::new(arrow_array::StringArray::from(vec!["TABLE", "VIEW"]));
    RecordBatch::try_new(schema, vec![col]).map_err(|e| Status::internal(e.to_string()))
}

/// The token an `authorization` header presents: `Bearer <token>`, or the password of
/// `Basic <base64 user:password>` (what a driver sends for a username and password).
/// The scheme in any case (`bearer`), base64 with or without its `=` padding (the ADBC
/// driver leaves it out).
fn presented_token(h: &str) -> Option<String> {
    let (scheme, rest) = h.trim().split_once(' ')?;
    let rest = rest.trim();
    if scheme.eq_ignore_ascii_case("bearer") {
        return Some(rest.to_string());
    }
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    use base64::engine::{
        general_purpose::GeneralPurpose, DecodePaddingMode, GeneralPurposeConfig,
    };
    use base64::Engine as _;
    let engine = GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    let text = String::from_utf8(engine.decode(rest).ok()?).ok()?;
    text.split_once(':').map(|(_, p)| p.to_string())
}

/// Every call must carry the token: `Bearer <token>`, or Basic credentials whose
/// password is the token (what a driver sends for a username and password).
fn check_token(token: &str, req: &Request<()>) -> Result<(), Status> {
    let Some(h) = req.metadata().get("authorization") else {
        return Err(Status::unauthenticated(
            "this server needs a token: send the header `authorization: Bearer <token>` (ADBC: adbc.flight.sql.authorization_header), or a password equal to the token",
        ));
    };
    let ok = presented_token(h.to_str().unwrap_or("")).is_some_and(|t| t == token);
    if ok {
        Ok(())
    } else {
        Err(Status::unauthenticated("wrong token"))
    }
}

/// Serve `session` until Ctrl-C. `ready` is told the address actually bound (with port
/// 0, the port the system chose) once clients can connect.
pub fn serve(
    session: Session,
    opts: Options,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), crate::Error> {
    let fail =
        |what: &str, e: &dyn std::fmt::Display| crate::Error::Usage(format!("serve: {what}: {e}"));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .max_blocking_threads(opts.concurrency.max(1) + 2)
        .enable_all()
        .build()
        .map_err(|e| fail("could not start the runtime", &e))?;
    rt.block_on(async move {
        let incoming = tonic::transport::server::TcpIncoming::bind(opts.listen)
            .map_err(|e| {
                fail(
                    &format!("cannot listen on {}", opts.listen),
                    &format!("{e} (is another server on that port? --listen 127.0.0.1:0 picks a free one)"),
                )
            })?
            // without TCP_NODELAY, Nagle's algorithm and the client's delayed ACK held every
            // small reply back ~40 ms (`SELECT 1` took 48 ms; the whole CLI takes 23)
            .with_nodelay(Some(true));
        let bound = incoming.local_addr().unwrap_or(opts.listen);
        let service = Service::new(session, opts.concurrency, opts.result_memory);
        let token = opts.token.clone();
        let svc = FlightServiceServer::with_interceptor(service, move |req: Request<()>| {
            match &token {
                Some(t) => check_token(t, &req).map(|_| req),
                None => Ok(req),
            }
        });
        ready(bound);
        tonic::transport::Server::builder()
            .add_service(svc)
            .serve_with_incoming_shutdown(incoming, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| fail("the server stopped", &e))
    })
}

#[cfg(test)]
mod tests {
    use super::{record_batches, RecordBatch, SchemaRef};
    use arrow_array::Array;
    use polars::prelude::{df, ChunkCompareIneq, Column, DataFrame, DataType, NamedFrom, Series};

    fn flight_bytes(schema: &SchemaRef, batches: Vec<RecordBatch>) -> usize {
        arrow_flight::utils::batches_to_flight_data(schema, &batches)
            .unwrap()
            .iter()
            .map(|f| f.data_body.len() + f.data_header.len())
            .sum()
    }

    #[test]
    fn a_few_rows_of_long_text_leave_without_the_rest_of_the_column() {
        let n = 20_000;
        let names: Vec<String> = (0..n)
            .map(|i| format!("一个很长的项目名称，长到不能内联在视图里 {i:06}"))
            .collect();
        let df = df!("name" => names, "v" => (0..n).collect::<Vec<i32>>()).unwrap();
        let mask = df.column("v").unwrap().i32().unwrap().lt(3);
        let mut few = df.filter(&mask).unwrap();
        let (schema, batches) = record_batches(&mut few).unwrap();
        assert_eq!(batches.iter().map(|b| b.num_rows()).sum::<usize>(), 3);
        let bytes = flight_bytes(&schema, batches);
        // the whole column is ~1.3 MB; three rows and the framing are a few hundred bytes
        assert!(bytes < 4096, "{bytes} bytes for three rows");
    }

    #[test]
    fn sql_clients_learn_how_to_quote_a_name() {
        // GetSqlInfo 504 (SQL_IDENTIFIER_QUOTE_CHAR): SQLAlchemy's flightsql dialect
        // failed on connect without it (`KeyError: 504`)
        let info = super::sql_info().unwrap();
        let b = info.record_batch([504u32]).unwrap();
        assert_eq!(b.num_rows(), 1);
        let b = info.record_batch([999_999u32]).unwrap();
        assert_eq!(b.num_rows(), 0);
    }

    #[test]
    fn money_dates_and_nulls_keep_their_types_and_values() {
        let money = Series::new("budget".into(), [Some(12345678i128), None])
            .cast(&DataType::Int128)
            .unwrap()
            .into_decimal(38, 6)
            .unwrap();
        let day = Series::new("day".into(), [Some(19000i32), None])
            .cast(&DataType::Date)
            .unwrap();
        let mut df = DataFrame::new(
            2,
            vec![
                money.into(),
                day.into(),
                Column::new("year".into(), [2021i32, 2022]),
                Column::new("share".into(), [Some(0.25f64), None]),
                Column::new("unit".into(), [Some("市本级"), None]),
            ],
        )
        .unwrap();
        let (schema, batches) = record_batches(&mut df).unwrap();
        use arrow_schema::DataType as A;
        let types: Vec<A> = schema
            .fields()
            .iter()
            .map(|f| f.data_type().clone())
            .collect();
        assert_eq!(
            types,
            vec![
                A::Decimal128(38, 6),
                A::Date32,
                A::Int32,
                A::Float64,
                A::Utf8
            ]
        );
        let b = &batches[0];
        let budget = b
            .column(0)
            .as_any()
            .downcast_ref::<arrow_array::Decimal128Array>()
            .unwrap();
        assert_eq!(budget.value(0), 12345678); // 12.345678 万元, exactly
        assert!(budget.is_null(1));
        let unit = b
            .column(4)
            .as_any()
            .downcast_ref::<arrow_array::StringArray>()
            .unwrap();
        assert_eq!(unit.value(0), "市本级");
        assert!(unit.is_null(1));
        // no rows: the schema alone
        let mut empty = df.head(Some(0));
        let (s, batches) = record_batches(&mut empty).unwrap();
        assert_eq!(s.fields().len(), 5);
        assert!(batches.is_empty());
    }
}
