"""Chat templates written by the project for the tiny pairs, in Qwen's chat format."""
