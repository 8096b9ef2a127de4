//! The core's integration tests in one binary: one link instead of one per file. Each file
//! is a module named after what it tests; `common` holds the fixtures they share.

#[macro_use]
mod common;

mod account_requests;
mod app_commands;
mod auth_hardening;
mod backup;
mod bus;
mod connection_budget;
mod erp_sqlserver_wire;
mod failover;
mod forecast_masters;
mod forecasts;
mod forecasts_xlsx;
mod inventory;
mod inventory_memory;
mod mail;
mod migration_parity;
mod orders;
mod secrets;
mod sessions;
mod sheets;
mod shop;
mod store_accounts;
mod store_legacy;
mod store_move;
mod support;
mod tls;
