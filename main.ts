#!/usr/bin/env -S node --max-semi-space-size=4
// The ai-trace-collector program: registers every component (components.ts), then runs the
// command line (src/cli.ts). src/ itself names no component.
import './components.js';
import './src/cli.js';
