mod api_lists;
mod cli;
mod fixtures;
mod json_format;
mod meta;
mod rule_snapshots;
mod runtime_trace;
mod sarif;
