# Time per generated token — data in cost_ms_per_token.csv
set datafile separator ','
set title 'Time per generated token'
set xlabel 'position t (tokens)'
set ylabel 'ms per token'
set key top left box opaque
set grid
set logscale x
set logscale y
set terminal pngcairo size 900,600 noenhanced font 'Sans,11'
set output 'cost_ms_per_token.png'
plot 'cost_ms_per_token.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with points lw 2 title 'mamba d128×4 N16 measured', \
     'cost_ms_per_token.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with lines lw 2 title 'mamba d128×4 N16 analytic FLOPs × fit', \
     'cost_ms_per_token.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with points lw 2 title 'transformer d128×2 measured', \
     'cost_ms_per_token.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with lines lw 2 title 'transformer d128×2 analytic FLOPs × fit', \
     'cost_ms_per_token.csv' skip 1 using 2:($1 == 4 ? $3 : 1/0) with points lw 2 title 'window W1024 d128×2 measured', \
     'cost_ms_per_token.csv' skip 1 using 2:($1 == 5 ? $3 : 1/0) with lines lw 2 title 'window W1024 d128×2 analytic FLOPs × fit'
set terminal svg size 900,600 font 'Sans,11' noenhanced
set output 'cost_ms_per_token.svg'
plot 'cost_ms_per_token.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with points lw 2 title 'mamba d128×4 N16 measured', \
     'cost_ms_per_token.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with lines lw 2 title 'mamba d128×4 N16 analytic FLOPs × fit', \
     'cost_ms_per_token.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with points lw 2 title 'transformer d128×2 measured', \
     'cost_ms_per_token.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with lines lw 2 title 'transformer d128×2 analytic FLOPs × fit', \
     'cost_ms_per_token.csv' skip 1 using 2:($1 == 4 ? $3 : 1/0) with points lw 2 title 'window W1024 d128×2 measured', \
     'cost_ms_per_token.csv' skip 1 using 2:($1 == 5 ? $3 : 1/0) with lines lw 2 title 'window W1024 d128×2 analytic FLOPs × fit'
unset output
