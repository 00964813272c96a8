module github.com/parley/requestid

go 1.22
