// Anchors the precompiled torch header (cmake/torch_pch.h) that all targets reuse.
