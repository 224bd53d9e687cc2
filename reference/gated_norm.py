"""Gated RMSNorm, the output norm of Mamba-2 and of gated linear attention:

  RMS_g(x) = x / sqrt(mean_g(x^2) + eps)    mean over each group of `group` consecutive
                                            channels of the last dim
  gate after the norm  (norm_before_gate = False, Mamba-2):  out = RMS_g(y * SiLU(z)) * w
  gate after the norm  (norm_before_gate = True,  GLA):      out = RMS_g(y) * w * SiLU(z)

The weight w (parameter "weight") spans either all C channels (Mamba-2: (Di)) or one
group, shared by every group (linear attention: (hd), one head).
"""

import torch
import torch.nn as nn
import torch.nn.functional as F


class GatedRMSNorm(nn.Module):
    def __init__(self, weight_size, group, eps, norm_before_gate):
        super().__init__()
        self.group, self.eps, self.norm_before_gate = group, float(eps), norm_before_gate
        self.weight = nn.Parameter(torch.ones(weight_size))

    def forward(self, y, z):                                          # (..., C) each -> (..., C)
        if not self.norm_before_gate:
            y = y * F.silu(z)
        shape = y.shape
        g = y.reshape(*shape[:-1], shape[-1] // self.group, self.group)  # (..., C/group, group)
        g = g * torch.rsqrt(g.pow(2).mean(-1, keepdim=True) + self.eps)
        if self.weight.numel() == self.group:
            y = (g * self.weight).reshape(shape)                      # w shared by the groups
        else:
            y = g.reshape(shape) * self.weight                        # w over all C channels
        if self.norm_before_gate:
            y = y * F.silu(z)
        return y
