// cli/cli.hpp - what every `qforge` verb shares: self-registration, exit
// codes, loading circuits with diagnostics, atomic output files.
#pragma once

#include "qforge/circuit.hpp"
#include "qforge/frontend.hpp"

#include <boost/program_options.hpp>

#include <optional>
#include <string>
#include <vector>

namespace qforge::cli {

/// Named exit codes (no magic numbers in verbs).
enum Exit : int {
  kOk = 0,
  kFailed = 1,   ///< invalid input, failed check, not equivalent, ...
  kUsage = 2,    ///< bad command line
};

using VerbFn = int (*)(const std::vector<std::string>& args);

/// A verb registers itself from its own file:
///   static const Verb reg{"check", "parse and check OpenQASM files", &run_check};
struct Verb {
  Verb(const char* name, const char* summary, VerbFn fn);
};

struct VerbEntry {
  std::string name, summary;
  VerbFn fn;
};
const std::vector<VerbEntry>& verbs();

/// Thrown for command-line mistakes; main prints it and exits with kUsage.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// Run a verb: usage errors exit kUsage, other exceptions kFailed, each with
/// a one-line message naming the verb; a LocatedError (an error found after
/// parsing, at an operation) prints as `file:line:col: error: message` with
/// the source line and a caret.
int run_verb(const VerbEntry& verb, const std::vector<std::string>& args);

/// Print a LocatedError to stderr as the diagnostic sink formats errors.
void print_error(const LocatedError& e);

/// Parse `args` with `desc` (+ optional positionals); `--help` prints
/// `usage` and the options and returns false (the caller exits kOk).
bool parse_args(const std::vector<std::string>& args, const std::string& usage,
                const boost::program_options::options_description& desc,
                const boost::program_options::positional_options_description* pos,
                boost::program_options::variables_map& vm);

/// The value of option `name`, which must be one of `allowed`; otherwise a
/// UsageError such as "--format must be text or json, got 'xml'".
std::string one_of(const boost::program_options::variables_map& vm, const std::string& name,
                   const std::vector<std::string>& allowed);

/// The options every verb that reads a circuit takes: -I DIR, --set NAME=VALUE.
void add_circuit_options(boost::program_options::options_description& desc);
/// Build CompileOptions from those options; throws UsageError on a bad --set.
CompileOptions circuit_options(const boost::program_options::variables_map& vm);

/// Compile `path`; print diagnostics (warnings too) to stderr; nullopt on error.
std::optional<Circuit> load_circuit(const std::string& path, const CompileOptions& opt);

/// Write `content` to `path` atomically (temp file in the same folder + rename;
/// a file replaced keeps its permissions, a failed write leaves no temp file),
/// or to stdout when path is empty or "-". Throws std::runtime_error on failure.
void write_output(const std::string& path, const std::string& content);

}  // namespace qforge::cli
