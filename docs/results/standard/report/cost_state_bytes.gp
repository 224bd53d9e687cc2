# Inference state vs position — data in cost_state_bytes.csv
set datafile separator ','
set title 'Inference state vs position'
set xlabel 'position t (tokens)'
set ylabel 'state (bytes, all layers, batch 1)'
set key top left box opaque
set grid
set logscale x
set logscale y
set terminal pngcairo size 900,600 noenhanced font 'Sans,11'
set output 'cost_state_bytes.png'
plot 'cost_state_bytes.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with points lw 2 title 'mamba d128×4 N16 measured', \
     'cost_state_bytes.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with lines lw 2 title 'mamba d128×4 N16 analytic', \
     'cost_state_bytes.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with points lw 2 title 'transformer d128×2 measured', \
     'cost_state_bytes.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with lines lw 2 title 'transformer d128×2 analytic', \
     'cost_state_bytes.csv' skip 1 using 2:($1 == 4 ? $3 : 1/0) with points lw 2 title 'window W1024 d128×2 measured', \
     'cost_state_bytes.csv' skip 1 using 2:($1 == 5 ? $3 : 1/0) with lines lw 2 title 'window W1024 d128×2 analytic'
set terminal svg size 900,600 font 'Sans,11' noenhanced
set output 'cost_state_bytes.svg'
plot 'cost_state_bytes.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with points lw 2 title 'mamba d128×4 N16 measured', \
     'cost_state_bytes.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with lines lw 2 title 'mamba d128×4 N16 analytic', \
     'cost_state_bytes.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with points lw 2 title 'transformer d128×2 measured', \
     'cost_state_bytes.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with lines lw 2 title 'transformer d128×2 analytic', \
     'cost_state_bytes.csv' skip 1 using 2:($1 == 4 ? $3 : 1/0) with points lw 2 title 'window W1024 d128×2 measured', \
     'cost_state_bytes.csv' skip 1 using 2:($1 == 5 ? $3 : 1/0) with lines lw 2 title 'window W1024 d128×2 analytic'
unset output
