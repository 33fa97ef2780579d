// Anchors the precompiled torch header (see the top-level CMakeLists.txt) that all targets reuse.
