// gomodzip is the independent oracle for tug's module zips: it asks golang.org/x/mod itself (the
// code the go command uses) for the zip of a module at a git revision, and prints its h1: hash.
//
//	gomodzip MODULE VERSION REPO_DIR REVISION [SUBDIR]
//
// prints "h1:..." (dirhash.HashZip of zip.CreateFromVCS), or the error x/mod reports (exit 1).
package main

import (
	"fmt"
	"os"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/zip"
)

func main() {
	if len(os.Args) < 5 {
		fmt.Fprintln(os.Stderr, "usage: gomodzip MODULE VERSION REPO_DIR REVISION [SUBDIR]")
		os.Exit(2)
	}
	subdir := ""
	if len(os.Args) > 5 {
		subdir = os.Args[5]
	}
	f, err := os.CreateTemp("", "gomodzip-*.zip")
	if err != nil {
		fail(err)
	}
	defer os.Remove(f.Name())
	mv := module.Version{Path: os.Args[1], Version: os.Args[2]}
	if err := zip.CreateFromVCS(f, mv, os.Args[3], os.Args[4], subdir); err != nil {
		fail(err)
	}
	if err := f.Close(); err != nil {
		fail(err)
	}
	h, err := dirhash.HashZip(f.Name(), dirhash.Hash1)
	if err != nil {
		fail(err)
	}
	fmt.Println(h)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}
