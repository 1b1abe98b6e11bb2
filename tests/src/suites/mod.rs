mod cli;
mod fixtures;
mod json_format;
mod meta;
