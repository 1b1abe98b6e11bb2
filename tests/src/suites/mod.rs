mod api_lists;
mod cli;
mod discovery;
mod fixtures;
mod json_format;
mod meta;
mod runtime_trace;
mod sarif;
