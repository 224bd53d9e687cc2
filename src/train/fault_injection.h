// Test-only fault hooks: they make rare failures happen at a chosen step, on any machine, so the
// tests that check what training does about them do not depend on a floating-point accident or
// on the timing of a signal. Set by the environment variable FREELUNCH_FAULT (docs/RELIABILITY.md):
//   nan-loss@N            the training loss of step N is NaN (as if it had diverged)
//   kill-before-latest@N  the process SIGKILLs itself once the checkpoint of step N is written,
//                         before checkpoints/latest names it
//   kill@N                the process SIGKILLs itself as step N begins (a data-parallel rank dying)
//   hang@N                the process stops for ever as step N begins, until SIGKILLed (a rank stalled)
// Unset (always, outside tests), every hook does nothing.
#pragma once
#include <cstdint>

namespace fl::fault {

// Reads FREELUNCH_FAULT; fl::Error naming it if it is set to anything but the forms above.
// Training calls it before it creates anything.
void check_environment();

bool nan_loss_at(int64_t step);
void kill_before_latest(int64_t step);
void kill_or_hang_at(int64_t step);  // kill@N, hang@N

}  // namespace fl::fault
