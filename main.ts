#!/usr/bin/env node
// The ai-trace-collector program: registers every component (components.ts), then runs the
// command line (src/cli.ts). src/ itself names no component.
import './components.js';
import './src/cli.js';
