// CPU sets as the kernel writes them: lists like "0-3,7" (sysfs, the kernel command line)
// and hex masks like "00000000,0000000f" (/proc/irq/*/smp_affinity). Parsing is strict and
// bounded: junk gives an error message, never a crash or a huge allocation.
#pragma once

#include <set>
#include <string>
#include <string_view>

namespace bulwark::tuning {

// CPU numbers at or above this are refused (the kernel's largest NR_CPUS).
inline constexpr unsigned kMaxCpus = 8192;

using CpuSet = std::set<unsigned>;

// Parses "0-3,7" (whitespace around it ignored). An empty text is the empty set, as
// sysfs writes it (e.g. /sys/devices/system/cpu/isolated with nothing isolated). On
// error returns false with `error` saying why; `out` is then unspecified.
bool parse_cpu_list(std::string_view text, CpuSet& out, std::string& error);

// Parses a hex mask, least significant bit CPU 0: "3", or 32-bit groups separated by
// commas, most significant first ("00000000,00000003").
bool parse_cpu_mask(std::string_view text, CpuSet& out, std::string& error);

// "0-3,7": runs of two or more as ranges, like the kernel prints them.
std::string format_cpu_list(const CpuSet& cpus);

}  // namespace bulwark::tuning
