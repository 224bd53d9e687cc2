// Precompiled header: the one place <torch/torch.h> is parsed for the whole build.
#pragma once
#include <torch/torch.h>
