// Placeholder until the module gets content; replaced by the first real file.
