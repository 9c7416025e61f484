//! `gigafund eval …` and `gigafund rank`: the evaluation of a call (EVALUATION.md).

use crate::{Cli, actor, open, output};
use clap::{Args, Subcommand, ValueEnum};
use gigafund::app::evaluation::{self as ev, ConflictTarget};
use gigafund::evaluation::{
    self, Viewer, assign, calibration::Calibration, consensus, package, ranking, scoring,
};
use gigafund::model::{AssignmentRole, ConflictKind};
use gigafund::store::{self, Store};
use gigafund::{Error, Result};
use std::io::Write;
use std::path::PathBuf;

#[derive(Subcommand)]
pub enum EvalCommand {
    /// The evaluator roster.
    #[command(subcommand)]
    Roster(RosterCommand),
    /// The organisations of a call's consortia (a conflict may be declared against one).
    Organisations {
        #[arg(long)]
        call: String,
    },
    /// Declared and detected conflicts of interest between the roster and a call's bids.
    Conflicts {
        #[arg(long)]
        call: String,
    },
    /// Declare a conflict of interest (per bid or per organisation).
    Declare {
        /// The evaluator's e-mail.
        #[arg(long)]
        evaluator: String,
        #[arg(long, requires = "bid")]
        call: Option<String>,
        #[arg(long, requires = "call", conflicts_with = "organisation")]
        bid: Option<String>,
        #[arg(long, required_unless_present = "bid")]
        organisation: Option<String>,
        #[arg(long, value_enum)]
        kind: DeclaredKind,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Assign experts: automatically for the whole call, or one by hand with --bid and
    /// --evaluator (refused for a conflicted pair).
    Assign {
        #[arg(long)]
        call: String,
        #[arg(long, requires = "evaluator")]
        bid: Option<String>,
        #[arg(long, requires = "bid")]
        evaluator: Option<String>,
        /// Make this expert the bid's rapporteur.
        #[arg(long, requires = "bid")]
        rapporteur: bool,
    },
    /// Remove an expert from a bid's panel (refused once they have scored it).
    Unassign {
        #[arg(long)]
        call: String,
        #[arg(long)]
        bid: String,
        #[arg(long)]
        evaluator: String,
    },
    /// Make an expert of a bid's panel its rapporteur.
    Rapporteur {
        #[arg(long)]
        call: String,
        #[arg(long)]
        bid: String,
        #[arg(long)]
        evaluator: String,
    },
    /// The assignment matrix of a call: bids × experts, loads, conflicts, what is unmet.
    Matrix {
        #[arg(long)]
        call: String,
    },
    /// Assignments of a call (yours only with --as).
    Assignments {
        #[arg(long)]
        call: String,
        #[command(flatten)]
        who: As,
    },
    /// Set one draft score with its comment.
    Score {
        #[arg(long)]
        call: String,
        #[arg(long)]
        bid: String,
        #[arg(long)]
        criterion: String,
        #[arg(long)]
        score: f64,
        #[arg(long, default_value = "")]
        comment: String,
        #[command(flatten)]
        who: As,
    },
    /// Submit your scores for a bid (every criterion scored, comments long enough).
    Submit {
        #[arg(long)]
        call: String,
        #[arg(long)]
        bid: String,
        #[command(flatten)]
        who: As,
    },
    /// The scores of a bid you may see (other experts' only after you submit).
    Scores {
        #[arg(long)]
        call: String,
        #[arg(long)]
        bid: String,
        #[command(flatten)]
        who: As,
    },
    /// Every change of one score, from the audit log.
    History {
        #[arg(long)]
        call: String,
        #[arg(long)]
        bid: String,
        /// Whose score (e-mail).
        #[arg(long)]
        evaluator: String,
        #[arg(long)]
        criterion: String,
        #[command(flatten)]
        who: As,
    },
    /// Import scores from CSV (bid,evaluator,criterion,score,comment): all rows or none.
    ImportScores {
        #[arg(long)]
        call: String,
        file: PathBuf,
        /// Submit each (bid, evaluator) of the file once its rows are stored.
        #[arg(long)]
        submit: bool,
    },
    /// Consensus of a bid: show, draft a criterion, approve.
    #[command(subcommand)]
    Consensus(ConsensusCommand),
    /// Record the panel's decision for a bid among tied bids (ex aequo rule 4).
    Panel {
        #[arg(long)]
        call: String,
        #[arg(long)]
        bid: String,
        /// 1 = first among the tied bids.
        #[arg(long)]
        position: u32,
        #[arg(long)]
        reason: String,
    },
    /// Advisory calibration of evaluators, calibrated ranking and leave-one-out stability.
    Calibration {
        #[arg(long)]
        call: String,
        /// Bids an evaluator must have scored before a leniency z-score is shown.
        #[arg(long, default_value_t = 2)]
        min_bids: u32,
    },
    /// Evaluator keys (ed25519) that sign returns.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Offline evaluator packages.
    #[command(subcommand)]
    Package(PackageCommand),
}

#[derive(Subcommand)]
pub enum RosterCommand {
    /// Import evaluators from .toml, .csv, .xlsx or .ods (all rows or none).
    Import { file: PathBuf },
    /// The evaluators in the database.
    List,
}

#[derive(Subcommand)]
pub enum ConsensusCommand {
    Show {
        #[arg(long)]
        call: String,
        #[arg(long)]
        bid: String,
        #[command(flatten)]
        who: As,
    },
    /// Draft one criterion's consensus (the rapporteur, or the office without --as).
    Set {
        #[arg(long)]
        call: String,
        #[arg(long)]
        bid: String,
        #[arg(long)]
        criterion: String,
        #[arg(long)]
        score: f64,
        #[arg(long)]
        comment: String,
        /// Required when the individual scores differ by 1.5 points or more.
        #[arg(long)]
        note: Option<String>,
        /// No consensus: the score and comment are the majority's, this is the minority's.
        #[arg(long)]
        minority: Option<String>,
        #[command(flatten)]
        who: As,
    },
    /// Approve the bid's consensus report (every expert of the bid does).
    Approve {
        #[arg(long)]
        call: String,
        #[arg(long)]
        bid: String,
        #[command(flatten)]
        who: As,
    },
}

#[derive(Subcommand)]
pub enum KeyCommand {
    /// Create your key pair in FILE, its secret sealed with your key passphrase, and print
    /// the public key for the office.
    New {
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        key_pass: KeyPassphrase,
        /// A file holding the passphrase typed a second time: it must be the same.
        #[arg(long, value_name = "FILE")]
        confirm_file: Option<PathBuf>,
    },
    /// The public key of a key file and its fingerprint (no passphrase needed).
    Show {
        #[arg(long)]
        key: PathBuf,
    },
    /// Write the public key file to send to the office.
    Public {
        #[arg(long)]
        key: PathBuf,
        /// Your e-mail as the office knows it (the office checks it against its roster).
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Register an evaluator's public key at the office (its 64 hex digits, or the public
    /// key file the expert sent); prints its fingerprint to check with them.
    Register {
        #[arg(long)]
        evaluator: String,
        #[arg(long, required_unless_present = "file", conflicts_with = "file")]
        public: Option<String>,
        #[arg(long, value_name = "FILE")]
        file: Option<PathBuf>,
    },
}

#[derive(Args)]
pub struct KeyPassphrase {
    /// A file holding the passphrase of your signing key (or set GIGAFUND_KEY_PASSPHRASE).
    #[arg(long, value_name = "FILE")]
    key_passphrase_file: Option<PathBuf>,
}

impl KeyPassphrase {
    pub(crate) fn read(&self) -> Result<String> {
        if let Some(p) = &self.key_passphrase_file {
            return Ok(gigafund::ingest::read_text(p)?
                .trim_end_matches(['\n', '\r'])
                .to_string());
        }
        std::env::var("GIGAFUND_KEY_PASSPHRASE").map_err(|_| {
            Error::invalid(
                gigafund::error::Location::default().with_field("key passphrase"),
                "give your key's passphrase with --key-passphrase-file FILE or the GIGAFUND_KEY_PASSPHRASE variable (never on the command line)",
                None,
            )
        })
    }
}

#[derive(Args)]
pub struct Passphrase {
    /// A file holding the package passphrase (or set GIGAFUND_PASSPHRASE).
    #[arg(long, value_name = "FILE")]
    passphrase_file: Option<PathBuf>,
}

impl Passphrase {
    fn read(&self) -> Result<String> {
        if let Some(p) = &self.passphrase_file {
            return Ok(gigafund::ingest::read_text(p)?
                .trim_end_matches(['\n', '\r'])
                .to_string());
        }
        std::env::var("GIGAFUND_PASSPHRASE").map_err(|_| {
            Error::invalid(
                gigafund::error::Location::default().with_field("passphrase"),
                "give the package passphrase with --passphrase-file FILE or the GIGAFUND_PASSPHRASE variable (never on the command line)",
                None,
            )
        })
    }
}

#[derive(Subcommand)]
pub enum PackageCommand {
    /// Office: export one evaluator's package (their bids only), encrypted.
    Export {
        #[arg(long)]
        call: String,
        #[arg(long)]
        evaluator: String,
        /// The package file, or a folder to write it in under its standard name
        /// (CALL-NAME.gfpackage).
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        pass: Passphrase,
        /// The office's key file: the package is signed with it (the expert's Gigafund
        /// checks the signature and shows its fingerprint).
        #[arg(long, value_name = "FILE")]
        office_key: Option<PathBuf>,
        /// A file holding the office key's passphrase (or set GIGAFUND_OFFICE_KEY_PASSPHRASE).
        #[arg(long, value_name = "FILE", requires = "office_key")]
        office_key_passphrase_file: Option<PathBuf>,
    },
    /// Evaluator: open a package into your own, new database: the one named with --db,
    /// or, with --dir, a new one named after the call and the package in that folder.
    Open {
        file: PathBuf,
        #[command(flatten)]
        pass: Passphrase,
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// The office's public key file as the office gave it: a package not signed with
        /// that key is refused.
        #[arg(long, value_name = "FILE")]
        office_key: Option<PathBuf>,
    },
    /// Evaluator: write your signed return (the package's passphrase seals it; your key's
    /// passphrase unseals your signing key).
    Return {
        #[arg(long)]
        key: PathBuf,
        /// The return file, or a folder to write it in under its standard name.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        pass: Passphrase,
        #[command(flatten)]
        key_pass: KeyPassphrase,
    },
    /// Evaluator: what your last return held, and what has changed since.
    Summary,
    /// Office: import an evaluator's return.
    Import {
        file: PathBuf,
        #[command(flatten)]
        pass: Passphrase,
    },
    /// Office: the packages exported for a call, and which have come back.
    List {
        #[arg(long)]
        call: String,
    },
    /// What a package or return file says about itself (no passphrase needed).
    Peek { file: PathBuf },
    /// Office: scores edited on both sides, to resolve.
    Conflicts {
        #[arg(long)]
        call: String,
    },
    /// Office: resolve a score conflict.
    Resolve {
        #[arg(long)]
        call: String,
        #[arg(long)]
        conflict: i64,
        #[arg(long, value_enum)]
        keep: Keep,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Keep {
    Office,
    Return,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum DeclaredKind {
    Employment,
    Shareholding,
    AdvisoryRole,
    FamilyOrPersonal,
    RecentCollaboration,
    Competitor,
    Other,
}

impl From<DeclaredKind> for ConflictKind {
    fn from(k: DeclaredKind) -> ConflictKind {
        match k {
            DeclaredKind::Employment => ConflictKind::Employment,
            DeclaredKind::Shareholding => ConflictKind::Shareholding,
            DeclaredKind::AdvisoryRole => ConflictKind::AdvisoryRole,
            DeclaredKind::FamilyOrPersonal => ConflictKind::FamilyOrPersonal,
            DeclaredKind::RecentCollaboration => ConflictKind::RecentCollaboration,
            DeclaredKind::Competitor => ConflictKind::Competitor,
            DeclaredKind::Other => ConflictKind::Other,
        }
    }
}

/// Acting as an evaluator (their e-mail); the programme office without it. In a database
/// opened from a package, the package's evaluator is the default.
#[derive(Args)]
pub struct As {
    #[arg(long = "as", value_name = "EMAIL")]
    email: Option<String>,
}

impl As {
    fn viewer(&self, store: &Store) -> Result<Viewer> {
        match &self.email {
            Some(e) => Ok(Viewer::Evaluator(
                store::evaluation::evaluator_by_key(store.conn(), e)?.id,
            )),
            None => Ok(match package::opened(store.conn())? {
                Some((_, _, me)) => Viewer::Evaluator(me),
                None => Viewer::Office,
            }),
        }
    }

    fn evaluator(&self, store: &Store) -> Result<i64> {
        match self.viewer(store)? {
            Viewer::Evaluator(id) => Ok(id),
            Viewer::Office => Err(Error::invalid(
                gigafund::error::Location::default().with_field("--as"),
                "say which evaluator acts: --as EMAIL",
                None,
            )),
        }
    }
}

#[derive(Args)]
pub struct RankArgs {
    #[arg(long)]
    call: String,
    /// Add the advisory calibration views beside the official ranking.
    #[arg(long)]
    calibration: bool,
    #[arg(long, default_value_t = 2)]
    min_bids: u32,
}

pub fn rank(cli: &Cli, args: &RankArgs) -> Result<bool> {
    let store = open(cli)?;
    let r = evaluation::rank_call(
        store.conn(),
        &args.call,
        args.calibration.then_some(args.min_bids),
    )?;
    output(cli.json, &r, |out| {
        writeln!(out, "{} — {}", r.call, r.title)?;
        print_ranking(out, &r.ranking)?;
        if let Some(c) = &r.calibration {
            print_calibration(out, c)?;
        }
        Ok(())
    })
}

fn print_ranking(out: &mut dyn Write, r: &ranking::Ranking) -> std::io::Result<()> {
    writeln!(
        out,
        "Budget {} ({}), main list {}{}",
        ranking::eur_m(r.budget),
        match r.budget_line {
            gigafund::model::BudgetLineRule::StopAtFirstMisfit =>
                "the line stops at the first bid that does not fit",
            gigafund::model::BudgetLineRule::SkipToSmaller =>
                "smaller bids below a misfit may still be funded",
        },
        ranking::eur_m(r.funded),
        if r.complete {
            ""
        } else {
            " — provisional: some bids have no approved consensus"
        }
    )?;
    writeln!(
        out,
        "{:>4}  {:<12} {:>8} {:>6} {:>12} {:>12}  {:<9} reason",
        "rank", "bid", "weighted", "sum", "requested", "cumulative", "list"
    )?;
    for b in &r.bids {
        let list = format!("{:?}", b.list).to_lowercase();
        writeln!(
            out,
            "{:>4}  {:<12} {:>8} {:>6} {:>12} {:>12}  {:<9} {}",
            b.rank.map(|r| r.to_string()).unwrap_or_else(|| "–".into()),
            b.acronym,
            b.weighted_total
                .map(|v| format!("{v:.2}"))
                .unwrap_or_default(),
            b.unweighted_total
                .map(|v| format!("{v:.1}"))
                .unwrap_or_default(),
            ranking::eur_m(b.requested_eu),
            b.cumulative_requested_eu
                .map(ranking::eur_m)
                .unwrap_or_default(),
            list,
            b.reason
        )?;
    }
    for t in &r.ties {
        writeln!(
            out,
            "Tie at {:.2} between {}{}",
            t.weighted_total,
            t.bids.join(", "),
            if t.unresolved {
                " — unresolved: the panel must record a decision (eval panel)"
            } else {
                ""
            }
        )?;
        for s in &t.steps {
            let equal = if s.equal_under.is_empty() {
                String::new()
            } else {
                format!(" (equal under {})", s.equal_under.join(", "))
            };
            writeln!(
                out,
                "  {} before {} by {}{equal}: {}",
                s.placed,
                s.over.join(", "),
                s.rule,
                s.detail
            )?;
        }
    }
    Ok(())
}

fn print_calibration(out: &mut dyn Write, c: &Calibration) -> std::io::Result<()> {
    writeln!(out, "\n{}", c.advisory)?;
    writeln!(
        out,
        "{:<32} {:>5} {:>10} {:>8} {:>8}  label",
        "evaluator", "bids", "mean dev.", "s.d.", "z"
    )?;
    for e in &c.evaluators {
        let f = |v: Option<f64>| v.map(|v| format!("{v:+.2}")).unwrap_or_else(|| "–".into());
        writeln!(
            out,
            "{:<32} {:>5} {:>10} {:>8} {:>8}  {}",
            e.name,
            e.bids,
            f(e.mean_deviation),
            f(e.sd_deviation),
            f(e.leniency_z),
            e.label
        )?;
    }
    writeln!(
        out,
        "Calibrated ranking (mean of calibrated individual scores):"
    )?;
    for k in &c.calibrated {
        writeln!(
            out,
            "  {:>3}  {:<12} {:>7}  {}",
            k.rank.map(|r| r.to_string()).unwrap_or_else(|| "–".into()),
            k.acronym,
            k.weighted_total
                .map(|v| format!("{v:.2}"))
                .unwrap_or_default(),
            format!("{:?}", k.list).to_lowercase()
        )?;
    }
    if c.unstable.is_empty() {
        writeln!(out, "Leave-one-evaluator-out: no bid changes list.")?;
    } else {
        writeln!(
            out,
            "Leave-one-evaluator-out: these bids change list when one evaluator is dropped:"
        )?;
        for l in c.leave_one_out.iter().filter(|l| !l.moves.is_empty()) {
            let moves: Vec<String> = l
                .moves
                .iter()
                .map(|m| format!("{} {:?}→{:?}", m.acronym, m.from, m.to).to_lowercase())
                .collect();
            writeln!(out, "  without {}: {}", l.name, moves.join(", "))?;
        }
    }
    Ok(())
}

fn bid(store: &Store, call: &str, key: &str) -> Result<i64> {
    evaluation::bid_id(store.conn(), call, key)
}

pub fn run(cli: &Cli, cmd: &EvalCommand) -> Result<bool> {
    match cmd {
        EvalCommand::Roster(RosterCommand::Import { file }) => {
            let mut store = open(cli)?;
            let r = ev::import_roster(&mut store, &actor(), file)?;
            output(cli.json, &r, |out| {
                writeln!(
                    out,
                    "{}: {} added, {} updated, {} unchanged, {} declared conflicts",
                    r.file,
                    r.added.len(),
                    r.updated.len(),
                    r.unchanged,
                    r.conflicts_declared
                )
            })
        }
        EvalCommand::Roster(RosterCommand::List) => {
            let store = open(cli)?;
            let rows = ev::roster(&store)?;
            output(cli.json, &rows, |out| {
                for e in rows.iter().map(|r| &r.evaluator) {
                    writeln!(
                        out,
                        "{:>4}  {:<32} {:<40} {} {:<40} {}{}",
                        e.id,
                        e.name,
                        e.email,
                        e.country,
                        e.organisation,
                        e.expertise.join(", "),
                        if e.public_key.is_some() {
                            "  [key]"
                        } else {
                            ""
                        }
                    )?;
                }
                Ok(())
            })
        }
        EvalCommand::Organisations { call } => {
            let store = open(cli)?;
            let list = ev::organisations(&store, call)?;
            output(cli.json, &list, |out| {
                for o in &list {
                    writeln!(out, "{:<48} {}", o.name, o.country)?;
                }
                Ok(())
            })
        }
        EvalCommand::Conflicts { call } => {
            let store = open(cli)?;
            let list = ev::conflicts(&store, call)?;
            output(cli.json, &list, |out| {
                if list.conflicts.is_empty() {
                    writeln!(out, "No conflict of interest in call {}", list.call)?;
                }
                for c in &list.conflicts {
                    writeln!(
                        out,
                        "{:<12} {:<32} {:<9} {}",
                        c.acronym,
                        c.evaluator,
                        format!("{:?}", c.source).to_lowercase(),
                        c.reason
                    )?;
                }
                Ok(())
            })
        }
        EvalCommand::Declare {
            evaluator,
            call,
            bid,
            organisation,
            kind,
            note,
        } => {
            let mut store = open(cli)?;
            let target = match (call, bid, organisation) {
                (Some(c), Some(b), _) => ConflictTarget::Bid { call: c, bid: b },
                (_, _, Some(o)) => ConflictTarget::Organisation(o),
                _ => return Err(Error::Internal("clap lets no target through".into())),
            };
            let c = ev::declare_conflict(
                &mut store,
                &actor(),
                evaluator,
                target,
                (*kind).into(),
                note,
            )?;
            output(cli.json, &c, |out| {
                writeln!(out, "Conflict {} recorded", c.conflict.id)?;
                for x in &c.suspended {
                    writeln!(
                        out,
                        "  assignment suspended: {} on {} ({}) — {}; `eval assign --call {}` gives the bid a replacement",
                        x.evaluator, x.acronym, x.call, x.reason, x.call
                    )?;
                }
                Ok(())
            })
        }
        EvalCommand::Assign {
            call,
            bid,
            evaluator,
            rapporteur,
        } => {
            let mut store = open(cli)?;
            match (bid, evaluator) {
                (Some(b), Some(e)) => {
                    let role = if *rapporteur {
                        AssignmentRole::Rapporteur
                    } else {
                        AssignmentRole::Expert
                    };
                    let a = assign::manual(&mut store, &actor(), call, b, e, role)?;
                    output(cli.json, &a, |out| {
                        writeln!(out, "Assigned {e} to {b} ({role:?})")
                    })
                }
                _ => {
                    let plan = assign::auto(&mut store, &actor(), call)?;
                    output(cli.json, &plan, |out| {
                        writeln!(
                            out,
                            "{}: {} assignments added ({} kept), {} experts per bid, at most {} bids per expert (mean {:.1})",
                            plan.call,
                            plan.added.len(),
                            plan.kept,
                            plan.experts_per_bid,
                            plan.max_load,
                            plan.mean_load
                        )?;
                        for a in &plan.added {
                            writeln!(
                                out,
                                "  {:<12} {:<32} {:<10} {}",
                                a.acronym,
                                a.evaluator,
                                format!("{:?}", a.role).to_lowercase(),
                                a.matched.join(", ")
                            )?;
                        }
                        for u in &plan.unmet {
                            writeln!(out, "  not satisfied: {u}")?;
                        }
                        for u in &plan.expertise_gaps {
                            writeln!(out, "  expertise: {u}")?;
                        }
                        Ok(())
                    })
                }
            }
        }
        EvalCommand::Unassign {
            call,
            bid: b,
            evaluator,
        } => {
            let mut store = open(cli)?;
            assign::remove(&mut store, &actor(), call, b, evaluator)?;
            output(
                cli.json,
                &serde_json::json!({"bid": b, "evaluator": evaluator, "removed": true}),
                |out| writeln!(out, "Removed {evaluator} from {b}"),
            )
        }
        EvalCommand::Rapporteur {
            call,
            bid: b,
            evaluator,
        } => {
            let mut store = open(cli)?;
            assign::make_rapporteur(&mut store, &actor(), call, b, evaluator)?;
            output(
                cli.json,
                &serde_json::json!({"bid": b, "rapporteur": evaluator}),
                |out| writeln!(out, "{evaluator} is the rapporteur of {b}"),
            )
        }
        EvalCommand::Matrix { call } => {
            let store = open(cli)?;
            let m = assign::matrix(store.conn(), call)?;
            output(cli.json, &m, |out| {
                writeln!(
                    out,
                    "{}: {} bids × {} experts, {} per bid, at most {} bids per expert",
                    m.call,
                    m.bids.len(),
                    m.experts.len(),
                    m.experts_per_bid,
                    m.max_load
                )?;
                for (i, b) in m.bids.iter().enumerate() {
                    let panel: Vec<String> = m
                        .cells
                        .iter()
                        .filter(|c| c.bid as usize == i && c.role.is_some())
                        .map(|c| {
                            let e = &m.experts[c.expert as usize];
                            match c.role {
                                Some(AssignmentRole::Rapporteur) => {
                                    format!("{} (rapporteur)", e.name)
                                }
                                _ => e.name.clone(),
                            }
                        })
                        .collect();
                    writeln!(
                        out,
                        "  {:<12} {}/{}  {}",
                        b.acronym,
                        b.assigned,
                        m.experts_per_bid,
                        panel.join(", ")
                    )?;
                }
                for u in &m.unmet {
                    writeln!(out, "  not satisfied: {u}")?;
                }
                Ok(())
            })
        }
        EvalCommand::Assignments { call, who } => {
            let store = open(cli)?;
            let rows = assign::list(store.conn(), call, who.viewer(&store)?)?;
            output(cli.json, &rows, |out| {
                for r in &rows {
                    writeln!(
                        out,
                        "{:<12} {:<32} {:<10} {}/{} scored{}",
                        r.acronym,
                        r.evaluator,
                        format!("{:?}", r.role).to_lowercase(),
                        r.scored,
                        r.criteria,
                        if r.submitted { ", submitted" } else { "" }
                    )?;
                }
                Ok(())
            })
        }
        EvalCommand::Score {
            call,
            bid: b,
            criterion,
            score,
            comment,
            who,
        } => {
            let mut store = open(cli)?;
            let me = who.evaluator(&store)?;
            let bid_id = bid(&store, call, b)?;
            let s = scoring::set(
                &mut store,
                &actor(),
                call,
                &scoring::ScoreInput {
                    bid_id,
                    evaluator_id: me,
                    criterion: criterion.clone(),
                    score: *score,
                    comment: comment.clone(),
                },
            )?;
            output(cli.json, &s, |out| {
                writeln!(out, "{b} · {criterion}: {score} (draft)")
            })
        }
        EvalCommand::Submit { call, bid: b, who } => {
            let mut store = open(cli)?;
            let me = who.evaluator(&store)?;
            let bid_id = bid(&store, call, b)?;
            scoring::submit(&mut store, &actor(), call, bid_id, me)?;
            let v = scoring::visible(store.conn(), Viewer::Evaluator(me), bid_id)?;
            output(cli.json, &v, |out| {
                writeln!(out, "Submitted your scores for {b}")
            })
        }
        EvalCommand::Scores { call, bid: b, who } => {
            let store = open(cli)?;
            let bid_id = bid(&store, call, b)?;
            let v = scoring::visible(store.conn(), who.viewer(&store)?, bid_id)?;
            output(cli.json, &v, |out| {
                for s in &v.own {
                    writeln!(
                        out,
                        "you     {:<16} {:>4}  {:?}  {}",
                        s.criterion, s.score, s.status, s.comment
                    )?;
                }
                for s in &v.others {
                    writeln!(
                        out,
                        "{:<32} {:<16} {:>4}  {:?}  {}",
                        s.evaluator,
                        s.score.criterion,
                        s.score.score,
                        s.score.status,
                        s.score.comment
                    )?;
                }
                if let Some(h) = &v.hidden {
                    writeln!(out, "({h})")?;
                }
                Ok(())
            })
        }
        EvalCommand::History {
            call,
            bid: b,
            evaluator,
            criterion,
            who,
        } => {
            let store = open(cli)?;
            let bid_id = bid(&store, call, b)?;
            let e = store::evaluation::evaluator_by_key(store.conn(), evaluator)?;
            let h = scoring::history(store.conn(), who.viewer(&store)?, bid_id, e.id, criterion)?;
            output(cli.json, &h, |out| {
                for entry in &h {
                    let val = |v: &Option<String>| {
                        v.as_deref()
                            .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
                            .map(|j| {
                                format!("{} ({})", j["score"], j["status"].as_str().unwrap_or(""))
                            })
                            .unwrap_or_else(|| "–".into())
                    };
                    writeln!(
                        out,
                        "{}  {:<24} {:<14} {} → {}",
                        entry.at.format("%Y-%m-%d %H:%M:%S"),
                        entry.actor,
                        entry.action,
                        val(&entry.before),
                        val(&entry.after)
                    )?;
                }
                Ok(())
            })
        }
        EvalCommand::ImportScores { call, file, submit } => {
            let mut store = open(cli)?;
            let r = scoring::import_csv(&mut store, &actor(), call, file, *submit)?;
            output(cli.json, &r, |out| {
                writeln!(
                    out,
                    "{}: {} rows, {} scores changed, {} submissions",
                    r.file,
                    r.rows,
                    r.changed,
                    r.submitted.len()
                )
            })
        }
        EvalCommand::Consensus(c) => consensus_cmd(cli, c),
        EvalCommand::Panel {
            call,
            bid: b,
            position,
            reason,
        } => {
            let mut store = open(cli)?;
            ev::panel_decision(&mut store, &actor(), call, b, *position, reason)?;
            output(
                cli.json,
                &serde_json::json!({"bid": b, "position": position}),
                |out| writeln!(out, "Panel decision recorded for {b}: position {position}"),
            )
        }
        EvalCommand::Calibration { call, min_bids } => {
            let store = open(cli)?;
            let r = evaluation::rank_call(store.conn(), call, Some(*min_bids))?;
            let c = r
                .calibration
                .ok_or_else(|| Error::Internal("no calibration".into()))?;
            output(cli.json, &c, |out| print_calibration(out, &c))
        }
        EvalCommand::Key(KeyCommand::New {
            out: path,
            key_pass,
            confirm_file,
        }) => {
            let pass = key_pass.read()?;
            let confirm = match confirm_file {
                Some(f) => gigafund::ingest::read_text(f)?
                    .trim_end_matches(['\n', '\r'])
                    .to_string(),
                None => pass.clone(),
            };
            let info = gigafund::app::expert::create_key(path, &pass, &confirm, &actor())?;
            let (public, fp) = (info.public_key, info.fingerprint);
            output(
                cli.json,
                &serde_json::json!({"public_key": public, "fingerprint": fp, "file": path}),
                |out| {
                    writeln!(
                        out,
                        "Key written to {} (its secret sealed with your passphrase; keep the file private). Give the programme office your public key:\n{public}\nFingerprint: {fp}",
                        path.display()
                    )
                },
            )
        }
        EvalCommand::Key(KeyCommand::Show { key }) => {
            let info = package::key_info(key)?;
            output(cli.json, &info, |out| {
                writeln!(
                    out,
                    "{}\nFingerprint: {}",
                    info.public_key, info.fingerprint
                )
            })
        }
        EvalCommand::Key(KeyCommand::Public {
            key,
            email,
            out: path,
        }) => {
            let text = gigafund::app::expert::public_key_file(key, email.as_deref())?;
            std::fs::write(path, &text).map_err(|e| Error::io(path, e))?;
            output(
                cli.json,
                &serde_json::json!({"file": path.display().to_string()}),
                |out| writeln!(out, "Public key file written to {}", path.display()),
            )
        }
        EvalCommand::Key(KeyCommand::Register {
            evaluator,
            public,
            file,
        }) => {
            let mut store = open(cli)?;
            let source = match (public, file) {
                (Some(p), _) => ev::KeySource::Text(p),
                (None, Some(f)) => ev::KeySource::File(f),
                (None, None) => return Err(Error::Internal("clap requires a key".into())),
            };
            let r = ev::register_key(&mut store, &actor(), evaluator, source)?;
            output(cli.json, &r, |out| {
                writeln!(
                    out,
                    "Public key registered for {} — fingerprint {}",
                    r.evaluator.email,
                    r.fingerprint.as_deref().unwrap_or("")
                )
            })
        }
        EvalCommand::Package(p) => package_cmd(cli, p),
    }
}

fn consensus_cmd(cli: &Cli, c: &ConsensusCommand) -> Result<bool> {
    match c {
        ConsensusCommand::Show { call, bid: b, who } => {
            let store = open(cli)?;
            let bid_id = bid(&store, call, b)?;
            let v = consensus::view(store.conn(), who.viewer(&store)?, call, bid_id)?;
            output(cli.json, &v, |out| print_consensus(out, &v))
        }
        ConsensusCommand::Set {
            call,
            bid: b,
            criterion,
            score,
            comment,
            note,
            minority,
            who,
        } => {
            let mut store = open(cli)?;
            let bid_id = bid(&store, call, b)?;
            let viewer = who.viewer(&store)?;
            let r = consensus::draft(
                &mut store,
                &actor(),
                viewer,
                call,
                bid_id,
                &consensus::ConsensusDraft {
                    criterion: criterion.clone(),
                    score: *score,
                    comment: comment.clone(),
                    reconciliation_note: note.clone(),
                    minority_view: minority.clone(),
                },
            )?;
            output(cli.json, &r, |out| {
                writeln!(out, "{b} · {criterion}: consensus {score} ({:?})", r.status)
            })
        }
        ConsensusCommand::Approve { call, bid: b, who } => {
            let mut store = open(cli)?;
            let me = who.evaluator(&store)?;
            let bid_id = bid(&store, call, b)?;
            let v = consensus::approve(&mut store, &actor(), call, bid_id, me)?;
            output(cli.json, &v, |out| print_consensus(out, &v))
        }
    }
}

fn print_consensus(out: &mut dyn Write, v: &consensus::ConsensusView) -> std::io::Result<()> {
    writeln!(out, "{} — {}", v.acronym, v.title)?;
    for e in &v.experts {
        writeln!(
            out,
            "  {:<32} {:<10} {}{}",
            e.name,
            format!("{:?}", e.role).to_lowercase(),
            if e.submitted {
                "submitted"
            } else {
                "not submitted"
            },
            if e.approved { ", approved" } else { "" }
        )?;
    }
    for c in &v.criteria {
        let scores: Vec<String> = c
            .individual
            .iter()
            .map(|i| format!("{}", i.score))
            .collect();
        writeln!(
            out,
            "{:<16} individual [{}] spread {}{}  consensus {}",
            c.code,
            scores.join(", "),
            c.spread
                .map(|s| format!("{s:.1}"))
                .unwrap_or_else(|| "–".into()),
            if c.divergent {
                " (≥ 1.5: reconciliation note required)"
            } else {
                ""
            },
            c.consensus
                .as_ref()
                .map(|x| format!("{} ({:?})", x.score, x.status).to_lowercase())
                .unwrap_or_else(|| "–".into())
        )?;
    }
    Ok(())
}

/// What an opened package says about its signature, for the expert to check.
fn signed_by(fingerprint: Option<&str>) -> String {
    match fingerprint {
        Some(fp) => format!(
            "Signed by the office key {fp}: compare it with the fingerprint the office gave you"
        ),
        None => "NOT SIGNED by the office: check with the office that this package is theirs"
            .to_string(),
    }
}

fn package_cmd(cli: &Cli, p: &PackageCommand) -> Result<bool> {
    match p {
        PackageCommand::Export {
            call,
            evaluator,
            out: path,
            pass,
            office_key,
            office_key_passphrase_file,
        } => {
            let signer = office_key
                .as_ref()
                .map(|k| -> Result<package::OfficeSigner> {
                    let passphrase = match office_key_passphrase_file {
                        Some(f) => gigafund::ingest::read_text(f)?
                            .trim_end_matches(['\n', '\r'])
                            .to_string(),
                        None => std::env::var("GIGAFUND_OFFICE_KEY_PASSPHRASE").map_err(|_| {
                            Error::invalid(
                                gigafund::error::Location::default()
                                    .with_field("office key passphrase"),
                                "give the office key's passphrase with --office-key-passphrase-file FILE or the GIGAFUND_OFFICE_KEY_PASSPHRASE variable (never on the command line)",
                                None,
                            )
                        })?,
                    };
                    Ok(package::OfficeSigner {
                        key_path: k.clone(),
                        passphrase,
                    })
                })
                .transpose()?;
            let mut store = open(cli)?;
            let target = if path.is_dir() {
                let e = store::evaluation::evaluator_by_key(store.conn(), evaluator)?;
                path.join(package::file_name(call, &e.email, false))
            } else {
                path.clone()
            };
            let r = package::export(
                &mut store,
                &actor(),
                call,
                evaluator,
                &pass.read()?,
                &target,
                signer.as_ref(),
            )?;
            output(cli.json, &r, |out| {
                writeln!(
                    out,
                    "Package {} for {} ({} bids: {}) written to {}{}",
                    r.package_id,
                    r.evaluator,
                    r.bids.len(),
                    r.bids.join(", "),
                    r.file,
                    if r.signed {
                        ", signed with the office key"
                    } else {
                        " (not signed: give --office-key to sign it)"
                    }
                )
            })
        }
        PackageCommand::Open {
            file,
            pass,
            dir: Some(dir),
            office_key,
        } => {
            let expected = office_key
                .as_deref()
                .map(gigafund::keys::public_key_of)
                .transpose()?
                .map(|k| hex::encode(k.to_bytes()));
            let (_, r) = gigafund::app::expert::open_package_checked(
                &actor(),
                file,
                &pass.read()?,
                dir,
                expected.as_deref(),
            )?;
            output(cli.json, &r, |out| {
                writeln!(
                    out,
                    "Opened package {} of call {} for {} into {}: {}\n{}",
                    r.opened.package_id,
                    r.opened.call,
                    r.opened.evaluator,
                    r.database,
                    r.opened.bids.join(", "),
                    signed_by(r.opened.office_fingerprint.as_deref())
                )
            })
        }
        PackageCommand::Open {
            file,
            pass,
            dir: None,
            office_key,
        } => {
            let expected = office_key
                .as_deref()
                .map(gigafund::keys::public_key_of)
                .transpose()?
                .map(|k| hex::encode(k.to_bytes()));
            let mut store = open(cli)?;
            let r = package::open_checked(
                &mut store,
                &actor(),
                file,
                &pass.read()?,
                expected.as_deref(),
            )?;
            output(cli.json, &r, |out| {
                writeln!(
                    out,
                    "Opened package {} of call {} for {}: {}\n{}",
                    r.package_id,
                    r.call,
                    r.evaluator,
                    r.bids.join(", "),
                    signed_by(r.office_fingerprint.as_deref())
                )
            })
        }
        PackageCommand::Return {
            key,
            out: path,
            pass,
            key_pass,
        } => {
            let mut store = open(cli)?;
            let target = if path.is_dir() {
                let s = package::return_summary(store.conn())?;
                path.join(package::file_name(&s.call, &s.evaluator, true))
            } else {
                path.clone()
            };
            let r = package::write_return(
                &mut store,
                &actor(),
                key,
                &key_pass.read()?,
                &pass.read()?,
                &target,
            )?;
            output(cli.json, &r, |out| {
                writeln!(
                    out,
                    "Return of package {} ({} scores, {} bids submitted) written to {}",
                    r.package_id,
                    r.scores,
                    r.submitted.len(),
                    r.file
                )
            })
        }
        PackageCommand::Summary => {
            let store = open(cli)?;
            let r = package::return_summary(store.conn())?;
            output(cli.json, &r, |out| {
                match &r.last_written {
                    Some(at) => writeln!(
                        out,
                        "Last return written {} to {}",
                        at.format("%Y-%m-%d %H:%M"),
                        r.last_file.as_deref().unwrap_or("")
                    )?,
                    None => writeln!(out, "No return written yet")?,
                }
                for b in &r.bids {
                    writeln!(
                        out,
                        "{:<12} {}",
                        b.acronym,
                        if b.submitted { "submitted" } else { "draft" }
                    )?;
                    for c in &b.criteria {
                        writeln!(
                            out,
                            "  {:<16} {:>4} {}",
                            c.code,
                            c.score.map(|s| s.to_string()).unwrap_or_else(|| "–".into()),
                            if c.changed { "(not yet returned)" } else { "" }
                        )?;
                    }
                }
                Ok(())
            })
        }
        PackageCommand::Import { file, pass } => {
            let mut store = open(cli)?;
            let r = package::import_return(&mut store, &actor(), file, &pass.read()?)?;
            output(cli.json, &r, |out| {
                writeln!(
                    out,
                    "Return of {} (package {}): {} scores applied, {} unchanged, {} conflicts, submitted: {}",
                    r.evaluator,
                    r.package_id,
                    r.applied,
                    r.unchanged,
                    r.conflicts.len(),
                    r.submitted.join(", ")
                )?;
                for c in &r.conflicts {
                    writeln!(
                        out,
                        "  conflict {}: bid {} {} — office {:?}, return {}",
                        c.id, c.bid_id, c.criterion, c.office_score, c.return_score
                    )?;
                }
                for h in &r.held {
                    writeln!(out, "  held: {h}")?;
                }
                Ok(())
            })
        }
        PackageCommand::List { call } => {
            let store = open(cli)?;
            let list = ev::packages(&store, call)?;
            output(cli.json, &list, |out| {
                for p in &list {
                    writeln!(
                        out,
                        "{}  {:<32} {}  {}  {}",
                        p.package_id,
                        p.email,
                        p.created_at.format("%Y-%m-%d %H:%M"),
                        p.bids.join(", "),
                        p.returned_at
                            .map(|t| format!("returned {}", t.format("%Y-%m-%d %H:%M")))
                            .unwrap_or_else(|| "not returned".into())
                    )?;
                }
                Ok(())
            })
        }
        PackageCommand::Peek { file } => {
            let h = package::peek(file)?;
            output(cli.json, &h, |out| {
                writeln!(
                    out,
                    "{}: {} {} of call {} for {}",
                    h.file, h.kind, h.package_id, h.call, h.evaluator
                )
            })
        }
        PackageCommand::Conflicts { call } => {
            let store = open(cli)?;
            let list = ev::score_conflicts(&store, call)?;
            output(cli.json, &list, |out| {
                for r in &list {
                    let c = &r.conflict;
                    writeln!(
                        out,
                        "{:>4}  {} · {} · {} · office {:?} · return {} · {}",
                        c.id,
                        r.acronym,
                        r.evaluator,
                        c.criterion,
                        c.office_score,
                        c.return_score,
                        c.resolution.as_deref().unwrap_or("unresolved")
                    )?;
                }
                Ok(())
            })
        }
        PackageCommand::Resolve {
            call,
            conflict,
            keep,
        } => {
            let mut store = open(cli)?;
            let submitted = package::resolve(
                &mut store,
                &actor(),
                call,
                *conflict,
                matches!(keep, Keep::Return),
            )?;
            output(
                cli.json,
                &serde_json::json!({"conflict": conflict, "resolved": true, "submitted": submitted}),
                |out| {
                    writeln!(out, "Conflict {conflict} resolved")?;
                    if let Some(a) = &submitted {
                        writeln!(out, "The return's submission of {a} is now made")?;
                    }
                    Ok(())
                },
            )
        }
    }
}
