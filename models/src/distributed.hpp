// models/src/distributed.hpp - the torch side of data-parallel runs
// (qforge/models/distributed.hpp): broadcasting a model, summing gradients,
// tensors and confusion matrices over a process group. Only
// distributed.cpp includes the c10d and Gloo headers. Includes torch
// (internal to the models library).
#pragma once

#include "qforge/models/distributed.hpp"
#include "qforge/models/metrics.hpp"

#include <torch/torch.h>

#include <string>
#include <vector>

namespace qforge::models::distributed {

/// Rank 0's parameters and buffers into every rank's `module` (in place).
void broadcast_module(ProcessGroup& group, torch::nn::Module& module);

/// Sum every parameter's gradient over the ranks, in one allreduce of one
/// flat buffer; a missing gradient counts as zeros and is created. Timed in
/// ProcessGroup::allreduce_seconds. `where` names the step in errors.
void allreduce_gradients(ProcessGroup& group, const std::vector<torch::Tensor>& parameters,
                         const std::string& where);

/// Sum a float64 or int64 tensor over the ranks, in place.
void allreduce_sum(ProcessGroup& group, torch::Tensor& values, const std::string& where);

/// The confusion matrices and a float64 sum (a loss) of all ranks, summed.
void allreduce_counts(ProcessGroup& group, ConfusionMatrix& counts, double& sum, const std::string& where);

/// Rank 0's bytes on every rank (e.g. a checkpoint file only rank 0 can read).
std::string broadcast_bytes(ProcessGroup& group, const std::string& bytes, const std::string& where);

/// A seed for the random stream (dropout, augmentation) of rank `rank` > 0
/// in `epoch`; rank 0 keeps the default generator's stream, as one process.
uint64_t rank_seed(uint64_t seed, int rank, int epoch);

}  // namespace qforge::models::distributed
