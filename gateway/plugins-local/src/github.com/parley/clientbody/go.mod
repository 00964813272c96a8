module github.com/parley/clientbody

go 1.22
