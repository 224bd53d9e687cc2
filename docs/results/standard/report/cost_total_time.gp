# Total time of generating T tokens — data in cost_total_time.csv
set datafile separator ','
set title 'Total time of generating T tokens'
set xlabel 'generated length T (tokens)'
set ylabel 'seconds'
set key top left box opaque
set grid
set logscale x
set logscale y
set terminal pngcairo size 900,600 noenhanced font 'Sans,11'
set output 'cost_total_time.png'
plot 'cost_total_time.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with points lw 2 title 'mamba d128×4 N16 estimated', \
     'cost_total_time.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with lines lw 2 title 'mamba d128×4 N16 analytic FLOPs × fit', \
     'cost_total_time.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with points lw 2 title 'mamba d128×4 N16 genuine run (Σ block medians)', \
     'cost_total_time.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with points lw 2 title 'transformer d128×2 estimated', \
     'cost_total_time.csv' skip 1 using 2:($1 == 4 ? $3 : 1/0) with lines lw 2 title 'transformer d128×2 analytic FLOPs × fit', \
     'cost_total_time.csv' skip 1 using 2:($1 == 5 ? $3 : 1/0) with points lw 2 title 'transformer d128×2 genuine run (Σ block medians)', \
     'cost_total_time.csv' skip 1 using 2:($1 == 6 ? $3 : 1/0) with points lw 2 title 'window W1024 d128×2 estimated', \
     'cost_total_time.csv' skip 1 using 2:($1 == 7 ? $3 : 1/0) with lines lw 2 title 'window W1024 d128×2 analytic FLOPs × fit', \
     'cost_total_time.csv' skip 1 using 2:($1 == 8 ? $3 : 1/0) with points lw 2 title 'window W1024 d128×2 genuine run (Σ block medians)'
set terminal svg size 900,600 font 'Sans,11' noenhanced
set output 'cost_total_time.svg'
plot 'cost_total_time.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with points lw 2 title 'mamba d128×4 N16 estimated', \
     'cost_total_time.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with lines lw 2 title 'mamba d128×4 N16 analytic FLOPs × fit', \
     'cost_total_time.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with points lw 2 title 'mamba d128×4 N16 genuine run (Σ block medians)', \
     'cost_total_time.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with points lw 2 title 'transformer d128×2 estimated', \
     'cost_total_time.csv' skip 1 using 2:($1 == 4 ? $3 : 1/0) with lines lw 2 title 'transformer d128×2 analytic FLOPs × fit', \
     'cost_total_time.csv' skip 1 using 2:($1 == 5 ? $3 : 1/0) with points lw 2 title 'transformer d128×2 genuine run (Σ block medians)', \
     'cost_total_time.csv' skip 1 using 2:($1 == 6 ? $3 : 1/0) with points lw 2 title 'window W1024 d128×2 estimated', \
     'cost_total_time.csv' skip 1 using 2:($1 == 7 ? $3 : 1/0) with lines lw 2 title 'window W1024 d128×2 analytic FLOPs × fit', \
     'cost_total_time.csv' skip 1 using 2:($1 == 8 ? $3 : 1/0) with points lw 2 title 'window W1024 d128×2 genuine run (Σ block medians)'
unset output
