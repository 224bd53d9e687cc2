# Inference state after N tokens — data in theory_copy_state_bytes.csv
set datafile separator ','
set title 'Inference state after N tokens'
set xlabel 'sequence length N (tokens)'
set ylabel 'bytes (4 per value)'
set key top left box opaque
set grid
set logscale x
set logscale y
set terminal pngcairo size 900,600 noenhanced font 'Sans,11'
set output 'theory_copy_state_bytes.png'
plot 'theory_copy_state_bytes.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with linespoints lw 2 title 'Mamba, d_state = N (Thm 3)', \
     'theory_copy_state_bytes.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with linespoints lw 2 title '  of which value channels x slots, V*N (what Thm 3 counts)', \
     'theory_copy_state_bytes.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with linespoints lw 2 title 'Mamba, d_state = 16 (Thm 1)', \
     'theory_copy_state_bytes.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with linespoints lw 2 title 'attention KV cache (Thm 2)'
set terminal svg size 900,600 font 'Sans,11' noenhanced
set output 'theory_copy_state_bytes.svg'
plot 'theory_copy_state_bytes.csv' skip 1 using 2:($1 == 0 ? $3 : 1/0) with linespoints lw 2 title 'Mamba, d_state = N (Thm 3)', \
     'theory_copy_state_bytes.csv' skip 1 using 2:($1 == 1 ? $3 : 1/0) with linespoints lw 2 title '  of which value channels x slots, V*N (what Thm 3 counts)', \
     'theory_copy_state_bytes.csv' skip 1 using 2:($1 == 2 ? $3 : 1/0) with linespoints lw 2 title 'Mamba, d_state = 16 (Thm 1)', \
     'theory_copy_state_bytes.csv' skip 1 using 2:($1 == 3 ? $3 : 1/0) with linespoints lw 2 title 'attention KV cache (Thm 2)'
unset output
