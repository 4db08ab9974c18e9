// qforge/frontend.hpp - OpenQASM 3 and 2 source to the gate IR.
//
// How gates are read (see README "Reading OpenQASM"):
//  - OpenQASM 3 follows the specification exactly, global phase included:
//    `U(a,b,c)` is Qiskit's UGate times exp(i*a/2), and stdgates.inc's u2/u3
//    carry their spec phases; the IR gate `u3` is Qiskit's UGate, and the
//    difference goes to Circuit::global_phase (exact under `ctrl @`).
//  - OpenQASM 2: `U(a,b,c)` is Rz(b) Ry(a) Rz(c); qelib1.inc's gates are read
//    as the table gates of the same name (Qiskit's matrices); OpenQASM 2 has no
//    modifiers, so global phase is unobservable there.
#pragma once

#include "qforge/circuit.hpp"
#include "qforge/diagnostics.hpp"

#include <map>
#include <string>
#include <vector>

namespace qforge {

struct CompileOptions {
  std::vector<std::string> include_dirs;      ///< -I paths, searched in order
  /// --set bindings: scalar name or `name[i]` -> value; an array name binds
  /// all its elements (values in row-major order).
  std::map<std::string, std::vector<double>> bindings;
  bool keep_delay_and_box = true;             ///< false: drop them with a warning
};

/// Parse and lower `source` (named `filename` in messages). Errors and
/// warnings go to `diags`; on error the returned circuit is unspecified.
Circuit compile_source(const std::string& source, const std::string& filename,
                       const CompileOptions& options, DiagnosticSink& diags);

/// Read `path` and compile it; a missing file is reported as a diagnostic.
Circuit compile_file(const std::string& path, const CompileOptions& options,
                     DiagnosticSink& diags);

/// Parse `text` of the form `0.5`, `[0.1, 0.2]` or `[[1,2],[3,4]]` (a --set
/// value) into numbers; false when it is not of that form. Elements may be
/// constant expressions such as `pi/2`.
bool parse_binding_value(const std::string& text, std::vector<double>& out, std::string& error);

}  // namespace qforge
