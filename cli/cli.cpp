// Shared CLI plumbing (see cli.hpp).
#include "cli.hpp"

#include <algorithm>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include <sys/stat.h>
#include <unistd.h>

namespace po = boost::program_options;

namespace qforge::cli {

static std::vector<VerbEntry>& registry() {
  static std::vector<VerbEntry> r;
  return r;
}

Verb::Verb(const char* name, const char* summary, VerbFn fn) {
  registry().push_back({name, summary, fn});
}

const std::vector<VerbEntry>& verbs() { return registry(); }

int run_verb(const VerbEntry& verb, const std::vector<std::string>& args) {
  try {
    return verb.fn(args);
  } catch (const UsageError& e) {
    std::cerr << "qforge " << verb.name << ": " << e.what() << "\n";
    return kUsage;
  } catch (const LocatedError& e) {
    print_error(e);
    return kFailed;
  } catch (const std::exception& e) {
    std::cerr << "qforge " << verb.name << ": error: " << e.what() << "\n";
    return kFailed;
  }
}

void print_error(const LocatedError& e) { std::cerr << format_diagnostic(diagnostic_of(e)); }

std::string one_of(const po::variables_map& vm, const std::string& name, const std::vector<std::string>& allowed) {
  const std::string value = vm[name].as<std::string>();
  if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return value;
  std::string list;
  for (std::size_t i = 0; i < allowed.size(); ++i)
    list += (i == 0 ? "" : i + 1 == allowed.size() ? " or " : ", ") + allowed[i];
  throw UsageError("--" + name + " must be " + list + ", got '" + value + "'");
}

bool parse_args(const std::vector<std::string>& args, const std::string& usage,
                const po::options_description& desc, const po::positional_options_description* pos,
                po::variables_map& vm) {
  po::options_description all;
  all.add(desc);
  all.add_options()("help,h", "show this help");
  try {
    po::command_line_parser parser(args);
    parser.options(all);
    if (pos) parser.positional(*pos);
    po::store(parser.run(), vm);
    if (vm.count("help")) {
      std::cout << usage << "\n\n" << all << "\n";
      return false;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    throw UsageError(std::string(e.what()) + "\n" + usage);
  }
  return true;
}

void add_circuit_options(po::options_description& desc) {
  desc.add_options()
      ("include-dir,I", po::value<std::vector<std::string>>()->composing(),
       "add DIR to the include search path")
      ("set", po::value<std::vector<std::string>>()->composing(),
       "bind an input: NAME=VALUE, NAME[i]=VALUE or NAME=[v0,v1,...]");
}

CompileOptions circuit_options(const po::variables_map& vm) {
  CompileOptions opt;
  if (vm.count("include-dir")) opt.include_dirs = vm["include-dir"].as<std::vector<std::string>>();
  if (vm.count("set")) {
    for (const auto& s : vm["set"].as<std::vector<std::string>>()) {
      auto eq = s.find('=');
      if (eq == std::string::npos || eq == 0)
        throw UsageError("--set expects NAME=VALUE, got '" + s + "'");
      std::vector<double> values;
      std::string err;
      if (!parse_binding_value(s.substr(eq + 1), values, err))
        throw UsageError("--set " + s.substr(0, eq) + ": " + err);
      opt.bindings[s.substr(0, eq)] = values;
    }
  }
  return opt;
}

std::optional<Circuit> load_circuit(const std::string& path, const CompileOptions& opt) {
  DiagnosticSink diags;
  Circuit c = compile_file(path, opt, diags);
  std::cerr << diags.format();
  if (diags.has_errors()) return std::nullopt;
  return c;
}

void write_output(const std::string& path, const std::string& content) {
  if (path.empty() || path == "-") {
    std::cout << content << std::flush;
    return;
  }
  struct stat st {};
  const bool exists = ::stat(path.c_str(), &st) == 0;
  if (exists && !S_ISREG(st.st_mode)) {
    // A device or pipe (/dev/null, /dev/stdout): write straight to it.
    std::ofstream f(path, std::ios::binary);
    f << content;
    if (!f) throw std::runtime_error("cannot write '" + path + "'");
    return;
  }
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream f(tmp, std::ios::binary);
    if (!f) throw std::runtime_error("cannot write '" + tmp + "'");
    f << content;
    f.flush();
    if (!f) {
      f.close();
      std::remove(tmp.c_str());
      throw std::runtime_error("cannot write '" + tmp + "'");
    }
  }
  if (exists) ::chmod(tmp.c_str(), st.st_mode & 07777);  // a file rewritten keeps its permissions
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    throw std::runtime_error("cannot rename '" + tmp + "' to '" + path + "'");
  }
}

}  // namespace qforge::cli
