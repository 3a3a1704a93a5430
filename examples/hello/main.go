// Command hello is the smallest release tug can make: it prints the version, commit and build
// date that the release build injects with -ldflags "-X main.version=... -X main.commit=...
// -X main.date=...". Built without them (plain `go build`), it says so instead of lying.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"
)

// Set at build time by the linker: -ldflags "-X main.version=1.2.3 -X main.commit=abc -X main.date=...".
var (
	version string
	commit  string
	date    string
)

func orUnknown(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}

func main() {
	showVersion := flag.Bool("version", false, "print the version and exit")
	name := flag.String("name", "world", "who to greet")
	flag.Parse()

	v := orUnknown(version, "dev")
	if *showVersion {
		fmt.Printf("hello %s (commit %s, built %s, %s/%s)\n",
			v, orUnknown(commit, "none"), orUnknown(date, "unknown"), runtime.GOOS, runtime.GOARCH)
		return
	}
	if *name == "" {
		fmt.Fprintln(os.Stderr, "hello: -name must not be empty")
		os.Exit(2)
	}
	fmt.Printf("Hello, %s!\n", *name)
	fmt.Printf("version: %s\ncommit: %s\ndate: %s\n", v, orUnknown(commit, "none"), orUnknown(date, "unknown"))
}
