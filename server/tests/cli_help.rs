//! Every command and option of the command line says what it is for.

use clap::CommandFactory;
use trellis::cli::Cli;

fn undocumented(command: &clap::Command, path: &str, missing: &mut Vec<String>) {
    let path = format!("{path} {}", command.get_name());
    if command.get_about().is_none() && path != "trellis" {
        missing.push(path.clone());
    }
    for arg in command.get_arguments() {
        let builtin = matches!(arg.get_id().as_str(), "help" | "version");
        if !builtin && arg.get_help().is_none() && arg.get_long_help().is_none() {
            missing.push(format!("{path} {}", arg.get_id()));
        }
    }
    for sub in command.get_subcommands() {
        undocumented(sub, &path, missing);
    }
}

#[test]
fn every_command_and_option_has_help() {
    let mut missing = Vec::new();
    undocumented(&Cli::command(), "", &mut missing);
    assert!(missing.is_empty(), "no help text: {missing:#?}");
}

#[test]
fn serve_help_points_to_the_environment() {
    let mut command = Cli::command();
    let serve = command
        .find_subcommand_mut("serve")
        .expect("a serve command");
    let help = serve.render_long_help().to_string();
    assert!(help.contains("TRELLIS_DOMAIN"), "{help}");
    assert!(help.contains("docs/configuration.md"), "{help}");
}
