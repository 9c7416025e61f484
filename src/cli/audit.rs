//! `gigafund audit`: the audit log, filtered, a page at a time.

use crate::{Cli, open, output};
use gigafund::Result;
use gigafund::app::audit::{self, AuditFilter};

#[derive(clap::Args)]
pub struct AuditArgs {
    /// Entries about this call (the call, its bids and their evaluation, its packages).
    #[arg(long)]
    call: Option<String>,
    /// Entries about this bid (id or acronym; with --call when acronyms repeat).
    #[arg(long)]
    bid: Option<String>,
    /// Entries about this evaluator (e-mail or id).
    #[arg(long)]
    evaluator: Option<String>,
    /// A kind of change (score.update) or a family of them (score).
    #[arg(long)]
    action: Option<String>,
    /// From this day (YYYY-MM-DD, UTC).
    #[arg(long)]
    from: Option<chrono::NaiveDate>,
    /// To this day, inclusive.
    #[arg(long)]
    to: Option<chrono::NaiveDate>,
    #[arg(long, default_value_t = 50)]
    limit: u32,
    #[arg(long, default_value_t = 0)]
    offset: u32,
    /// Only list the kinds of change the log holds.
    #[arg(long)]
    kinds: bool,
}

pub fn run(cli: &Cli, a: &AuditArgs) -> Result<bool> {
    let store = open(cli)?;
    if a.kinds {
        let kinds = audit::actions(&store)?;
        return output(cli.json, &kinds, |out| {
            for k in &kinds {
                writeln!(out, "{k}")?;
            }
            Ok(())
        });
    }
    let bid_id = match &a.bid {
        Some(b) => Some(gigafund::app::reports::find_bid(
            &store,
            b,
            a.call.as_deref(),
        )?),
        None => None,
    };
    let evaluator_id = match &a.evaluator {
        Some(e) => Some(gigafund::store::evaluation::evaluator_by_key(store.conn(), e)?.id),
        None => None,
    };
    let filter = AuditFilter {
        call: a.call.clone(),
        bid_id,
        evaluator_id,
        action: a.action.clone(),
        from: a.from,
        to: a.to,
    };
    let page = audit::query(&store, &filter, a.offset, a.limit)?;
    output(cli.json, &page, |out| {
        for r in &page.rows {
            writeln!(
                out,
                "{:>7}  {}  {:<24} {:<28} {} {}",
                r.seq,
                r.at.format("%Y-%m-%d %H:%M:%S"),
                r.actor,
                r.action,
                r.entity,
                r.entity_id
            )?;
        }
        writeln!(
            out,
            "{} of {} entries (from {})",
            page.rows.len(),
            page.total,
            page.offset + 1
        )
    })
}
