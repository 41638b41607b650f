cat("before the error\n")
stop("the input has no rows")
