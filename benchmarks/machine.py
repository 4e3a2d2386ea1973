"""The machine a benchmark ran on, printed first with every figure: this kind of machine is sometimes an AMX
CPU and sometimes AVX2 only, and figures from one do not carry to the other."""

import os
import platform


def describe() -> str:
    """One line: CPU, cores, torch's CPU capability (AVX2, AVX512, AMX...), Python and torch versions."""
    import torch

    return (f"machine: {platform.machine()}, {os.cpu_count()} cores, torch CPU capability "
            f"{torch.backends.cpu.get_cpu_capability()}, Python {platform.python_version()}, torch {torch.__version__}")
