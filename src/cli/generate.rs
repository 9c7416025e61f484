//! `gigafund generate`: the man pages and shell completions, written from the same clap
//! definitions as the command line itself, for the packages (`scripts/package.sh`).

use clap::Subcommand;
use clap_complete::Shell;
use gigafund::{Error, Result};
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum GenerateCommand {
    /// The man pages: gigafund.1 and one page per subcommand (gigafund-bid.1,
    /// gigafund-bid-import.1, …).
    Man {
        /// The directory the pages are written into (created when missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Completions for bash, zsh and fish: gigafund.bash, _gigafund, gigafund.fish.
    Completions {
        /// The directory the scripts are written into (created when missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
}

/// Writes what `what` asks for from `cmd`, the `gigafund` command; returns the files.
pub fn run(what: &GenerateCommand, mut cmd: clap::Command) -> Result<Vec<PathBuf>> {
    let io = |dir: &Path, source: std::io::Error| Error::Io {
        path: dir.to_path_buf(),
        source,
    };
    match what {
        GenerateCommand::Man { out } => {
            std::fs::create_dir_all(out).map_err(|e| io(out, e))?;
            // `help` is a subcommand of every group at the terminal; a man page each for
            // those would only repeat the pages of the commands themselves.
            fn without_help(cmd: clap::Command) -> clap::Command {
                cmd.disable_help_subcommand(true)
                    .mut_subcommands(without_help)
            }
            let mut cmd = without_help(cmd);
            cmd.build();
            clap_mangen::generate_to(cmd, out).map_err(|e| io(out, e))?;
            let mut pages: Vec<PathBuf> = std::fs::read_dir(out)
                .map_err(|e| io(out, e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "1"))
                .collect();
            pages.sort();
            Ok(pages)
        }
        GenerateCommand::Completions { out } => {
            std::fs::create_dir_all(out).map_err(|e| io(out, e))?;
            let mut files = Vec::new();
            for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
                let file = clap_complete::generate_to(shell, &mut cmd, "gigafund", out)
                    .map_err(|e| io(out, e))?;
                files.push(file);
            }
            Ok(files)
        }
    }
}
