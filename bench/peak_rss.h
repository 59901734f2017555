#pragma once
// Peak resident set size of this process, which every bench/ program prints.
#include <sys/resource.h>

inline double peakRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux reports KiB
}
