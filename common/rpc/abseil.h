/*
 * abseil - settings of the Abseil library that gRPC core brings along.
 *
 * Debian 12 builds Abseil without NDEBUG, so every absl::Mutex lock and
 * unlock inside gRPC core runs Abseil's debug-only deadlock detector: a
 * lock-order graph updated on each acquisition (GraphCycles). A release
 * build of Abseil leaves it out. We turn it off at start-up.
 *
 * Abseil offers the switch only as a C++ function; it is looked up by its
 * mangled name, so a different Abseil (another inline namespace) is found
 * missing at run time, not at link time, and the detector simply stays on.
 */
#ifndef CAMEOS_ABSEIL_H
#define CAMEOS_ABSEIL_H

/* absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle), mangled, in
 * Debian 12's Abseil 20220623 (inline namespace "debian3"). */
#define ABSEIL_SET_MODE_SYMBOL                                                                     \
    "_ZN4absl7debian329SetMutexDeadlockDetectionModeENS0_15OnDeadlockCycleE"

/* Turns the mutex deadlock detector off for the whole process. 0 when done;
 * -1 when this process's Abseil has no such switch (nothing changed). Call
 * before other threads start. */
int abseil_skip_deadlock_checks(void) __attribute__((warn_unused_result));

#endif
