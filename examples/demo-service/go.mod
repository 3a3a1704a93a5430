module example.com/demo-service

go 1.22
