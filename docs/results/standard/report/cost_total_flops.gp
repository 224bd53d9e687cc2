# Total FLOPs of generating T tokens (analytic) — data in cost_total_flops.csv
set datafile separator ','
set title 'Total FLOPs of generating T tokens (analytic)'
set xlabel 'generated length T (tokens)'
set ylabel 'FLOPs'
set key top left box opaque
set grid
set logscale x
set logscale y
set terminal pngcairo size 900,600 noenhanced font 'Sans,11'
set output 'cost_total_flops.png'
plot 'cost_total_flops.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with lines lw 2 title 'mamba d128×4 N16', \
     'cost_total_flops.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with lines lw 2 title 'transformer d128×2', \
     'cost_total_flops.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with lines lw 2 title 'window W1024 d128×2'
set terminal svg size 900,600 font 'Sans,11' noenhanced
set output 'cost_total_flops.svg'
plot 'cost_total_flops.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with lines lw 2 title 'mamba d128×4 N16', \
     'cost_total_flops.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with lines lw 2 title 'transformer d128×2', \
     'cost_total_flops.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with lines lw 2 title 'window W1024 d128×2'
unset output
