// Command warroom is the terminal war-room for the engineer on call.
// This package parses the command line and wires the parts together;
// everything else lives in tui, integrations, runbooks and timeline.
package main

import (
	"fmt"
	"os"
)

func main() {
	if err := rootCommand().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "warroom:", err)
		os.Exit(1)
	}
}
